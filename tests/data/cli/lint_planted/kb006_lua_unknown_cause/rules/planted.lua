local M = {}

function M.check(ctx)
  if ctx.fact("mini.lm_level") < 3 then
    ctx.evidence("mini_levels", 4, "low level")
  end
end

return M
