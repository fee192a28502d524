-- Turning the probe's vendor guess into the vendor the fix steps are written for.
local M = {}

-- The probe names a vendor with a confidence (percent). Above the threshold it picks the vendor-specific fix
-- steps, as if the technician had said so; an answer given by a person (server.vendor as input) always wins,
-- because a derivation never overwrites an input fact.
local CONFIDENT_PERCENT = 60

---@param ctx kbdiag.Context
function M.vendor_from_probe(ctx)
  local guess = ctx.fact("server.vendor_guess")
  local confidence = ctx.fact("server.vendor_guess_confidence")
  if guess == nil or confidence == nil or confidence < CONFIDENT_PERCENT then return end
  ctx.derive("server.vendor", guess)
end

return M
