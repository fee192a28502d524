-- Lua rule for the CLI tests' mini knowledge base.
local M = {}

function M.saved_credentials(ctx)
  local n = ctx.fact("mini.saved_credentials")
  if n > 0 then
    ctx.evidence("mini_stale", 3, n .. " saved credential(s) for the server")
    if ctx.fact("mini.password_changed") == true then
      ctx.derive("mini.stale_suspected", true)
    end
  else
    ctx.evidence("mini_stale", 0.3, "no saved credential for the server")
  end
end

return M
