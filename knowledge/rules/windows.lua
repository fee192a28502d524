-- Windows defaults from the release hint table (hints/windows-releases.yaml) and the effective
-- client settings (an explicit setting wins over the edition/build default).
-- Returns a table of rule functions; each gets the rule context `ctx` (knowledge/README.md).
local M = {}

-- EditionID as a lower-case key; friendly names a person may type map to EditionIDs.
local EDITION_ALIASES = {
  home = "core",
  pro = "professional",
  proforworkstations = "professionalworkstation",
  ["proworkstation"] = "professionalworkstation",
}

local function edition_key(s)
  if type(s) ~= "string" then return nil end
  local k = string.lower(s):gsub("[%s%-_]", "")
  k = k:gsub("eval$", "")                  -- ServerStandardEval -> serverstandard
  return EDITION_ALIASES[k] or k
end

local function has_edition(list, key)
  if type(list) ~= "table" or key == nil then return false end
  for _, v in ipairs(list) do
    if edition_key(v) == key then return true end
  end
  return false
end

-- Hint-table defaults may arrive as booleans or as the YAML text ("true"/"false"); nil when unset.
local function as_bool(v)
  if type(v) == "boolean" then return v end
  if type(v) == "string" then
    local l = string.lower(v)
    if l == "true" or l == "yes" or l == "1" then return true end
    if l == "false" or l == "no" or l == "0" then return false end
  end
  return nil
end

local function has_server_edition(list)
  if type(list) ~= "table" then return false end
  for _, v in ipairs(list) do
    if string.sub(edition_key(v) or "", 1, 6) == "server" then return true end
  end
  return false
end

-- Whether the PC is a Windows Server: InstallationType when collected, else a Server EditionID, else a build
-- that exists only as a server release (20348, 25398). Client and server rows share builds 14393/17763/26100.
---@param ctx kbdiag.Context
local function is_server_install(ctx, build)
  local itype = ctx.fact("windows.installation_type")
  if itype ~= nil then return itype == "server" end
  local edition = edition_key(ctx.fact("windows.edition"))
  if edition ~= nil then return string.sub(edition, 1, 6) == "server" end
  local server_row = ctx.windows_release(build, true)
  local client_row = ctx.windows_release(build)
  return server_row ~= nil and server_row.build == build and (client_row == nil or client_row.build ~= build)
end

-- Client EditionIDs whose defaults Microsoft states (S9, S11, S16). Any other EditionID (EnterpriseS / LTSC,
-- IoTEnterprise, ProfessionalEducation, CoreSingleLanguage, ...) gets no edition default at all: unknown,
-- never false. An N edition is its base edition without the media features (K6), so it maps to that base.
local STATED_CLIENT_EDITIONS = {
  core = true, professional = true, enterprise = true, education = true, professionalworkstation = true,
}

-- The edition whose stated defaults apply to `key`, or nil when no source states them.
local function base_edition(key)
  if key == nil then return nil end
  if string.sub(key, 1, 6) == "server" then return key end   -- server rows state one default for all server editions
  if STATED_CLIENT_EDITIONS[key] then return key end
  local without_n = string.match(key, "^(.-)n$")
  if without_n ~= nil and STATED_CLIENT_EDITIONS[without_n] then return without_n end
  return nil
end

-- Whether a server row's list holds the server edition `key` (every server EditionID shares the row's default).
local function row_has_edition(list, key, is_server)
  if is_server then return has_server_edition(list) end
  return has_edition(list, key)
end

-- The SMB1 client of a clean install: false/true from the row, except for the editions listed in
-- smb1_client_unknown_editions (Windows 10 Home/Pro keep the client but uninstall it after 15 days unused [S16])
-- and smb1_client_installed_editions (1803 Pro keeps it for good [S16]). Without an edition a row with
-- edition exceptions says nothing.
local function smb1_default(defaults, edition)
  local value = as_bool(defaults.smb1_client_installed)
  local unknown = defaults.smb1_client_unknown_editions
  local installed = defaults.smb1_client_installed_editions
  local has_exceptions = type(unknown) == "table" and #unknown > 0 or type(installed) == "table" and #installed > 0
  if not has_exceptions then return value end
  if edition == nil then return nil end
  if has_edition(unknown, edition) then return nil end
  if has_edition(installed, edition) then return true end
  if STATED_CLIENT_EDITIONS[edition] then return value end
  return nil
end

-- On 2004/20H2/21H1 the edition's guest block holds only with KB5003173 (OS builds 1904x.985) or later [S11]:
-- true from revision guest_block_min_ubr on, false below it, nil (unknown) when the revision is not known.
---@param ctx kbdiag.Context
local function update_allows_guest_block(ctx, defaults)
  local min_ubr = tonumber(defaults.guest_block_min_ubr)
  if min_ubr == nil then return true end
  local ubr = ctx.fact("windows.ubr")
  if ubr == nil then return nil end
  return ubr >= min_ubr
end

-- windows_release_facts: release name, family and edition-dependent defaults for windows.build, from the
-- client row or (on a server) the server row of the hint table.
---@param ctx kbdiag.Context
function M.release_facts(ctx)
  local build = ctx.fact("windows.build")
  local is_server = is_server_install(ctx, build)
  local row = ctx.windows_release(build, is_server)
  if row == nil then return end                     -- below the first row: nothing known
  local defaults = row.defaults or {}

  local name = row.name
  if row.build ~= build then
    name = string.format("build %d (at or after %s)", build, name)
  end
  ctx.derive("windows.release_name", name)
  ctx.derive("windows.family", row.family)

  local ntlmv1 = as_bool(defaults.ntlmv1_available)
  if ntlmv1 ~= nil then ctx.derive("windows.ntlmv1_available", ntlmv1) end

  local typed = edition_key(ctx.fact("windows.edition"))
  local edition = base_edition(typed)
  local smb1 = smb1_default(defaults, edition)
  if smb1 ~= nil then ctx.derive("windows.smb1_client_default", smb1) end

  if typed == nil then
    -- without an edition only a server can be decided: every server EditionID shares the default
    if is_server then
      if not has_server_edition(defaults.guest_default_unconfirmed_editions) then
        ctx.derive("windows.guest_blocked_by_default", has_server_edition(row.guest_blocked_editions))
      end
      ctx.derive("windows.signing_required_by_default", has_server_edition(row.signing_required_editions))
    end
    return
  end
  if edition == nil then return end                 -- an edition no source speaks for: unknown, not false
  local server_edition = string.sub(edition, 1, 6) == "server"
  -- Editions whose guest default no source states (Windows 11 Home): derive nothing (UNCONFIRMED).
  if not has_edition(defaults.guest_default_unconfirmed_editions, edition) then
    local blocked = row_has_edition(row.guest_blocked_editions, edition, server_edition)
    if blocked then blocked = update_allows_guest_block(ctx, defaults) end
    if blocked ~= nil then ctx.derive("windows.guest_blocked_by_default", blocked) end
  end
  local signing = row_has_edition(row.signing_required_editions, edition, server_edition)
  ctx.derive("windows.signing_required_by_default", signing)
end

-- lm_level_from_registry: the level in force is the registry value when it is set.
---@param ctx kbdiag.Context
function M.lm_level(ctx)
  ctx.derive("lsa.lm_effective_level", ctx.fact("lsa.lm_compatibility_level"))
end

-- guest_policy: the policy wins over the registry value, which wins over the edition/build default.
---@param ctx kbdiag.Context
function M.guest_policy(ctx)
  local policy = ctx.fact("smb_client.allow_insecure_guest_auth_policy")
  if policy ~= nil then
    ctx.derive("smb_client.guest_blocked", not policy)
    return
  end
  local reg = ctx.fact("smb_client.allow_insecure_guest_auth")
  if reg ~= nil then
    ctx.derive("smb_client.guest_blocked", not reg)
    return
  end
  local default = ctx.fact("windows.guest_blocked_by_default")
  if default ~= nil then
    ctx.derive("smb_client.guest_blocked", default)
  end
end

-- signing_policy: the collected client setting wins over the edition/build default.
---@param ctx kbdiag.Context
function M.signing_policy(ctx)
  local value = ctx.fact("smb_client.require_signing")
  if value == nil then value = ctx.fact("windows.signing_required_by_default") end
  if value ~= nil then ctx.derive("smb_client.signing_required", value) end
end

-- smb1_client: the collected feature state wins over the clean-install default.
---@param ctx kbdiag.Context
function M.smb1_client(ctx)
  local value = ctx.fact("smb_client.smb1_installed")
  if value == nil then value = ctx.fact("windows.smb1_client_default") end
  if value ~= nil then ctx.derive("smb_client.smb1_available", value) end
end

-- ---- SMB dialects (Windows 11 24H2 / Server 2025 dialect policy; other rules may derive client.dialect_*) ----

-- Dialects in negotiation order; the rank compares them.
local DIALECT_RANK = {["2.0.2"] = 1, ["2.1"] = 2, ["3.0"] = 3, ["3.0.2"] = 4, ["3.1.1"] = 5}
-- Set-SmbClientConfiguration -Smb2DialectMin/-Smb2DialectMax values; None means "no bound" [S14].
local POLICY_DIALECT = {SMB202 = "2.0.2", SMB210 = "2.1", SMB300 = "3.0", SMB302 = "3.0.2", SMB311 = "3.1.1"}

-- client_dialect_range: the Windows client's bounds as dialect numbers (None = the widest bound).
---@param ctx kbdiag.Context
function M.client_dialect_range(ctx)
  local min = ctx.fact("smb_client.dialect_min")
  if min ~= nil then ctx.derive("client.dialect_min", POLICY_DIALECT[min] or "2.0.2") end
  local max = ctx.fact("smb_client.dialect_max")
  if max ~= nil then ctx.derive("client.dialect_max", POLICY_DIALECT[max] or "3.1.1") end
end

-- common_dialect: true when a dialect the server accepts lies within the client's bounds; nothing is derived
-- when neither bound is known or the server accepts no SMB2/3 dialect (SMB1-only: another cause).
---@param ctx kbdiag.Context
function M.common_dialect(ctx)
  local low = DIALECT_RANK[ctx.fact("client.dialect_min") or ""]
  local high = DIALECT_RANK[ctx.fact("client.dialect_max") or ""]
  if low == nil and high == nil then return end
  low, high = low or 1, high or 5
  local ranked = 0
  for _, d in ipairs(ctx.fact("server.dialects") or {}) do
    local r = DIALECT_RANK[d]
    if r ~= nil then
      ranked = ranked + 1
      if r >= low and r <= high then
        ctx.derive("smb.common_dialect_exists", true)
        return
      end
    end
  end
  if ranked > 0 then ctx.derive("smb.common_dialect_exists", false) end
end

-- ---- net use: a mapping to the server that Windows marks Unavailable -----------------------------------------

-- "\\NAS01.lan\share" -> "nas01" (lower case, first DNS label; addresses stay whole).
local function short_host(s)
  if type(s) ~= "string" then return nil end
  local h = string.lower(s):gsub("^%s+", ""):gsub("^[\\/]+", "")
  h = h:match("^([^\\/%s]+)")
  if h == nil or h == "" then return nil end
  if h:match("^%d+%.%d+%.%d+%.%d+$") or h:find(":", 1, true) then return h end
  return h:match("^([^%.]+)")
end

-- connection_unavailable: net use lists a connection to the server (any of its names) whose Status is
-- "Unavailable" - Windows could not reach the server for it; false when every such connection is OK.
---@param ctx kbdiag.Context
function M.connection_unavailable(ctx)
  local names = {}
  local server = short_host(ctx.fact("target.server"))
  if server ~= nil then names[server] = true end
  for _, a in ipairs(ctx.fact("target.aliases") or {}) do
    local h = short_host(a)
    if h ~= nil then names[h] = true end
  end
  local seen, unavailable = false, false
  for _, c in ipairs(ctx.fact("net.connections") or {}) do
    local h = short_host(c.remote)
    if h ~= nil and names[h] then
      seen = true
      if type(c.status) == "string" and string.lower(c.status) == "unavailable" then unavailable = true end
    end
  end
  if seen then ctx.derive("net.connection_to_server_unavailable", unavailable) end
end

return M
