local M = {}

function M.check(ctx)
  if ctx.fact("mini.lm_level") < 3 then then
    ctx.evidence("mini_level", 2, "low level")
  end
end

return M
