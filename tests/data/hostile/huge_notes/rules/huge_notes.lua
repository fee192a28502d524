-- A 1 MiB note handed to C++ 300 times per call (and per what-if run).
local note = string.rep("n", 1024 * 1024)
return {
  run = function(ctx)
    for _ = 1, 300 do ctx.evidence("share_permission_denied", 1.0, note) end
  end,
}
