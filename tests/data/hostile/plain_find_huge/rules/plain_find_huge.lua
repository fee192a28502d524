-- A plain search of a 4 M needle in an 8 M haystack that almost matches everywhere.
return {
  run = function(ctx)
    local haystack = string.rep("a", 8 * 1024 * 1024)
    local needle = string.rep("a", 4 * 1024 * 1024 - 1) .. "b"
    return haystack:find(needle, 1, true)
  end,
}
