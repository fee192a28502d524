-- A lazy pattern that fails at every start: quadratic in a 300 000-byte subject.
return {
  run = function(ctx)
    return ("a"):rep(3e5):find(".-b")
  end,
}
