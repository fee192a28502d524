-- Matching collected lists (Credential Manager, net use, the BlockNTLM exception list) against the
-- server the user tried: case-insensitive, by every name and address (target.server + target.aliases).
local M = {}

local hostnames = require("hostnames")
local trim, host_of, short_name = hostnames.trim, hostnames.host_of, hostnames.short_name
local server_names, matches = hostnames.server_names, hostnames.matches

-- The host an SMB-usable credential is for, or nil. "Domain:target=nas01" -> "nas01";
-- a bare "nas01" (CredEnumerate without the ALL flag) -> "nas01". Generic credentials, Remote
-- Desktop (TERMSRV/...) and non-"target" attributes (interactive=, ...) are not used for SMB.
local function smb_target_host(target, ctype)
  if type(target) ~= "string" then return nil end
  local t = trim(target)
  local lt = string.lower(t)
  if type(ctype) == "string" and string.lower(ctype):find("generic", 1, true) then return nil end
  local ns, attr, rest = lt:match("^([%a]+):([%a]+)=(.*)$")
  if ns ~= nil then
    if ns ~= "domain" or attr ~= "target" then return nil end
    lt = rest
  end
  if lt:sub(1, 8) == "termsrv/" then return nil end
  return host_of(lt)
end

-- saved_credential_for_server: is there a saved Windows credential for the server, and was it
-- written before the password change?
---@param ctx kbdiag.Context
function M.saved_credential(ctx)
  local names = server_names(ctx.fact("target.server"), ctx.fact("target.aliases"))
  local changed_at = ctx.fact("user.password_changed_at")
  local found, older, newer = false, false, false
  for _, e in ipairs(ctx.fact("credman.entries") or {}) do
    local host = smb_target_host(e.target, e.type)
    if matches(names, host) then
      found = true
      if changed_at ~= nil and type(e.last_written) == "number" then
        if e.last_written < changed_at then older = true else newer = true end
      end
    end
  end
  ctx.derive("credman.has_entry_for_server", found)
  if older then
    ctx.derive("credman.entry_predates_password_change", true)
  elseif newer then
    ctx.derive("credman.entry_predates_password_change", false)
  end
end

local function user_parts(u)
  u = trim(string.lower(u))
  local domain, name = u:match("^(.-)\\(.+)$")
  if name == nil then
    local n, d = u:match("^(.-)@(.+)$")        -- user@domain
    if n ~= nil then return d, n end
    return nil, u
  end
  return domain, name
end

local function same_user(a, b)
  local da, na = user_parts(a)
  local db, nb = user_parts(b)
  if na ~= nb then return false end
  if da == nil or db == nil or da == "" or db == "" then return true end
  return short_name(da) == short_name(db)
end

-- connection_to_server: a live `net use` connection to the server (any name, IPC$ included), and
-- whether it runs as another user than the one typed. Disconnected/Unavailable entries hold no session.
---@param ctx kbdiag.Context
function M.connection(ctx)
  local names = server_names(ctx.fact("target.server"), ctx.fact("target.aliases"))
  local typed = ctx.fact("user.typed_user_name")
  if typed ~= nil and trim(typed) == "" then typed = nil end
  local found, differs, same = false, false, false
  for _, c in ipairs(ctx.fact("net.connections") or {}) do
    local status = string.lower(trim(c.status or ""))
    if status == "" or status == "ok" then
      if matches(names, host_of(c.remote)) then
        found = true
        if typed ~= nil and type(c.user) == "string" and trim(c.user) ~= "" then
          if same_user(typed, c.user) then same = true else differs = true end
        end
      end
    end
  end
  ctx.derive("net.has_connection_to_server", found)
  if differs then
    ctx.derive("net.connection_user_differs", true)
  elseif same then
    ctx.derive("net.connection_user_differs", false)
  end
end

-- ntlm_exception_for_server: is the server (by any name) on the BlockNTLM exception list?
---@param ctx kbdiag.Context
function M.ntlm_exception(ctx)
  local names = server_names(ctx.fact("target.server"), ctx.fact("target.aliases"))
  for _, s in ipairs(ctx.fact("smb_client.block_ntlm_exceptions") or {}) do
    if matches(names, host_of(s)) then
      ctx.derive("smb_client.server_in_ntlm_exceptions", true)
      return
    end
  end
  ctx.derive("smb_client.server_in_ntlm_exceptions", false)
end

-- An entry of the outgoing NTLM exception list as a Lua pattern: literal but for '*', which matches any run [K11].
local function wildcard_pattern(entry)
  local escaped = entry:gsub("[%^%$%(%)%%%.%[%]%+%-%?]", "%%%0")
  return "^" .. escaped:gsub("%*", ".*") .. "$"
end

-- Does any of the server's names (full or short) match a wildcard_pattern?
local function matches_wildcard(names, pattern)
  for _, set in ipairs({ names.exact, names.short }) do
    for name in pairs(set) do
      if name:match(pattern) then return true end
    end
  end
  return false
end

-- outgoing_ntlm_exception_for_server: does an entry of ClientAllowedNTLMServers name the server? An empty list
-- spares nothing; with entries but no server name the answer stays unknown.
---@param ctx kbdiag.Context
function M.outgoing_ntlm_exception(ctx)
  local entries = ctx.fact("lsa.ntlm_outgoing_exceptions") or {}
  if #entries == 0 then
    ctx.derive("lsa.server_in_ntlm_outgoing_exceptions", false)
    return
  end
  if ctx.fact("target.server") == nil then return end
  local names = server_names(ctx.fact("target.server"), ctx.fact("target.aliases"))
  for _, entry in ipairs(entries) do
    if matches_wildcard(names, wildcard_pattern(trim(string.lower(entry)))) then
      ctx.derive("lsa.server_in_ntlm_outgoing_exceptions", true)
      return
    end
  end
  ctx.derive("lsa.server_in_ntlm_outgoing_exceptions", false)
end

return M
