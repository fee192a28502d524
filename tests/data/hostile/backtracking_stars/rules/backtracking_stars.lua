-- Five nested greedy items over 5 000 bytes: about 5000^6 backtracking steps.
return {
  run = function(ctx)
    local s = string.rep("a", 5000)
    return string.match(s, "a*a*a*a*a*b")
  end,
}
