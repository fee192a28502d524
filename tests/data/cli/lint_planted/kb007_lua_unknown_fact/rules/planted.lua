local M = {}

-- ctx.fact("in.a.comment") is not a call
function M.check(ctx)
  if ctx.fact("mini.lm_level") < 3 and ctx.fact("mini.lm_levle") then
    ctx.evidence("mini_level", 4, "low level")
  end
end

return M
