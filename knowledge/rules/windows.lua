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

-- windows_release_facts: release name, family and edition-dependent defaults for windows.build.
function M.release_facts(ctx)
  local build = ctx.fact("windows.build")
  local row = ctx.windows_release(build)
  if row == nil then return end                     -- below the first row: nothing known
  local defaults = row.defaults or {}
  local itype = ctx.fact("windows.installation_type")
  local is_server
  if itype ~= nil then
    is_server = (itype == "server")
  else
    is_server = (row.family == "server")            -- server-only rows (20348, 25398)
  end

  -- name: the server release of this build when the PC is a server
  local name = row.name
  if is_server then
    name = defaults.server_release_name or ("Windows Server (build " .. tostring(build) .. ")")
  end
  if row.build ~= build then
    name = string.format("build %d (at or after %s)", build, name)
  end
  ctx.derive("windows.release_name", name)

  local family = row.family
  if is_server then
    family = "server"
  elseif family == "server" then                    -- a client build on a server-only row
    family = (build >= 22000) and "windows11" or "windows10"
  end
  ctx.derive("windows.family", family)

  local ntlmv1 = as_bool(defaults.ntlmv1_available)
  if ntlmv1 ~= nil then ctx.derive("windows.ntlmv1_available", ntlmv1) end
  local smb1 = as_bool(defaults.smb1_client_installed)
  if smb1 ~= nil then ctx.derive("windows.smb1_client_default", smb1) end

  local edition = edition_key(ctx.fact("windows.edition"))
  if edition == nil then
    -- without an edition only a server can be decided: every server EditionID shares the default
    if is_server then
      ctx.derive("windows.guest_blocked_by_default", has_server_edition(row.guest_blocked_editions))
      ctx.derive("windows.signing_required_by_default", has_server_edition(row.signing_required_editions))
    end
    return
  end
  -- Editions whose guest default no source states (Windows 11 Home): derive nothing (UNCONFIRMED).
  if not has_edition(defaults.guest_default_unconfirmed_editions, edition) then
    ctx.derive("windows.guest_blocked_by_default", has_edition(row.guest_blocked_editions, edition))
  end
  ctx.derive("windows.signing_required_by_default", has_edition(row.signing_required_editions, edition))
end

-- lm_level_from_registry: the level in force is the registry value when it is set.
function M.lm_level(ctx)
  ctx.derive("lsa.lm_effective_level", ctx.fact("lsa.lm_compatibility_level"))
end

-- guest_policy: the policy wins over the registry value, which wins over the edition/build default.
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
function M.signing_policy(ctx)
  local value = ctx.fact("smb_client.require_signing")
  if value == nil then value = ctx.fact("windows.signing_required_by_default") end
  if value ~= nil then ctx.derive("smb_client.signing_required", value) end
end

-- smb1_client: the collected feature state wins over the clean-install default.
function M.smb1_client(ctx)
  local value = ctx.fact("smb_client.smb1_installed")
  if value == nil then value = ctx.fact("windows.smb1_client_default") end
  if value ~= nil then ctx.derive("smb_client.smb1_available", value) end
end

return M
