local M = {}

function M.check(ctx)
  if ctx.fact("mini.lm_level") < 3 then
    ctx.evidence("mini_level", 4
  end
end

return M
