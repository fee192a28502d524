-- Host-name matching shared by the rule files (require("hostnames")): the host in a UNC path, URL-ish or bare
-- name, and whether two names (full, short or alias) name the same server. Case-insensitive.
local M = {}

function M.trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

-- "\\NAS01\share", "//NAS01/share", "nas01", "NAS01.lan" -> "nas01", "nas01", "nas01", "nas01.lan"
function M.host_of(s)
  if type(s) ~= "string" then return nil end
  s = M.trim(string.lower(s))
  s = s:gsub("^[\\/]+", "")
  s = s:match("^([^\\/]+)") or s
  if s == "" then return nil end
  return s
end

-- An IPv4 or IPv6 address (bracketed or not): never shortened to a "short name".
function M.is_address(h)
  return h:match("^%d+%.%d+%.%d+%.%d+$") ~= nil or h:find(":", 1, true) ~= nil or h:sub(1, 1) == "["
end

-- "nas01.lan" -> "nas01"; an address stays whole.
function M.short_name(h)
  if M.is_address(h) then return h end
  return h:match("^([^%.]+)") or h
end

-- The set of names the server goes by: exact hosts, plus short names of DNS names.
function M.server_names(server, aliases)
  local names = { exact = {}, short = {} }
  local function add(s)
    local h = M.host_of(s)
    if h == nil then return end
    names.exact[h] = true
    if not M.is_address(h) then names.short[M.short_name(h)] = true end
  end
  add(server)
  if type(aliases) == "table" then
    for _, a in ipairs(aliases) do add(a) end
  end
  return names
end

-- Does `host` (already a host_of) name a server of `names` (a server_names)?
function M.matches(names, host)
  if host == nil then return false end
  if names.exact[host] then return true end
  if not M.is_address(host) and names.short[M.short_name(host)] then return true end
  return false
end

-- Does `entry` ("//NAS01/share", "nas01.lan", ...) name the server (by name, FQDN, short name or alias)?
function M.same_server(entry, server, aliases)
  local e = M.host_of(entry)
  if e == nil then return false end
  local candidates = { server }
  for _, a in ipairs(aliases or {}) do candidates[#candidates + 1] = a end
  for _, c in ipairs(candidates) do
    local h = M.host_of(c)
    if h ~= nil and (h == e or M.short_name(h) == M.short_name(e)) then return true end
  end
  return false
end

return M
