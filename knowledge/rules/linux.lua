-- Linux cifs client: the failing mount's options, the kernel version, and whether the dialect the mount asks
-- for (vers=) is one the server accepts. Sources: mount.cifs(8) [L1], kernel fs_context.c [L6].
local M = {}

local hostnames = require("hostnames")
local trim = hostnames.trim
local same_server = hostnames.same_server

-- Splits "a,b=c,,d" into {"a", "b=c,d"} (",," is a literal comma, as mount(8) writes it).
local function split_options(text)
  local out, current, i = {}, "", 1
  while i <= #text do
    local ch = text:sub(i, i)
    if ch == "," and text:sub(i + 1, i + 1) == "," then
      current = current .. ","
      i = i + 2
    elseif ch == "," then
      if current ~= "" then out[#out + 1] = current end
      current = ""
      i = i + 1
    else
      current = current .. ch
      i = i + 1
    end
  end
  if current ~= "" then out[#out + 1] = current end
  return out
end

-- The options text of the failing mount: asked, else the only fstab line for the server (or the only cifs
-- line when no server is known). nil when it cannot be told.
---@param ctx kbdiag.Context
local function failing_mount_options(ctx)
  local asked = ctx.fact("linux.mount.options")
  if type(asked) == "string" then return asked end
  local entries = ctx.fact("linux.cifs.fstab_entries")
  if type(entries) ~= "table" then return nil end
  local server = ctx.fact("target.server")
  local found = {}
  for _, e in ipairs(entries) do
    if server == nil or same_server(e.server, server, ctx.fact("target.aliases")) then found[#found + 1] = e end
  end
  if #found ~= 1 then return nil end
  return found[1].options or ""
end

-- mount_options: linux.mount.vers / .sec / .seal from the failing mount's options. No vers= means
-- "default" (negotiate 2.1 or later) and no sec= means "default" (ntlmssp) [L1].
---@param ctx kbdiag.Context
function M.mount_options(ctx)
  local text = failing_mount_options(ctx)
  if text == nil then return end
  local vers, sec, seal = "default", "default", false
  for _, option in ipairs(split_options(text)) do
    local key, value = option:match("^([^=]+)=(.*)$")
    key = string.lower(trim(key or option))
    if key == "vers" then vers = trim(value or "") end
    if key == "sec" then sec = string.lower(trim(value or "")) end
    if key == "seal" then seal = true end
  end
  ctx.derive("linux.mount.vers", vers)
  ctx.derive("linux.mount.sec", sec)
  ctx.derive("linux.mount.seal", seal)
end

-- kernel_version: "6.1.0-18-amd64" (uname -r) or "Linux 5.15.0-91-generic" -> 601 / 515. Only for Linux:
-- macOS's uname release (e.g. 23.1.0) is a Darwin version, not a Linux kernel.
---@param ctx kbdiag.Context
function M.kernel_version(ctx)
  local host_os = ctx.fact("host.os")
  if host_os ~= nil and host_os ~= "linux" then return end
  local major, minor = tostring(ctx.fact("host.kernel")):match("(%d+)%.(%d+)")
  if major == nil then return end
  ctx.derive("linux.kernel_version", tonumber(major) * 100 + tonumber(minor))
end

-- A dialect as a number: "2.0.2" -> 202, "2.1" -> 210, "3.0" / "3.0.0" -> 300, "3.0.2" / "3.02" -> 302,
-- "3.1.1" / "3.11" -> 311. nil for anything else.
local named = { ["2.0"] = 202, ["2.02"] = 202, ["2.002"] = 202, ["3.02"] = 302, ["3.11"] = 311 }
local function dialect_code(text)
  if type(text) ~= "string" then return nil end
  text = trim(text)
  if named[text] then return named[text] end
  local a, b, c = text:match("^(%d)%.(%d)%.?(%d?)$")
  if a == nil then return nil end
  return tonumber(a) * 100 + tonumber(b) * 10 + (tonumber(c) or 0)
end

-- The dialects a mount without vers= offers, by kernel [L1]: SMB1 before 4.13 (nil: no SMB2 dialect), 3.0 from
-- 4.13 to 4.13.4, 2.1 and above since 4.13.5. An unknown kernel is taken as a current one (2.1 and above).
local function default_offer(kernel)
  local major, minor, patch = tostring(kernel or ""):match("(%d+)%.(%d+)%.?(%d*)")
  local version = major and (tonumber(major) * 10000 + tonumber(minor) * 100 + (tonumber(patch) or 0))
  if version == nil or version >= 41305 then return { 210, 300, 302, 311 } end
  if version >= 41300 then return { 300 } end
  return nil
end

-- The SMB2/3 dialects a vers= value lets the kernel offer [L1]: one dialect, "3" = 3.0 and above,
-- "default" = the kernel's default (default_offer). nil for vers=1.0 (SMB1) and unknown values.
local function offered(vers, kernel)
  local v = string.lower(trim(vers))
  if v == "default" then return default_offer(kernel) end
  if v == "3" then return { 300, 302, 311 } end
  local code = dialect_code(v)
  if code == nil or code < 200 then return nil end
  return { code }
end

-- vers_vs_server_dialects: a pinned vers= outside the dialects the server accepts leaves no common dialect;
-- Samba then answers NEGOTIATE with NT_STATUS_NOT_SUPPORTED [L8], which the kernel turns into error 95 [L3].
---@param ctx kbdiag.Context
function M.vers_vs_server_dialects(ctx)
  local vers = ctx.fact("linux.mount.vers")
  local server = ctx.fact("server.dialects")
  if string.lower(trim(vers)) == "1.0" then
    local smb1 = ctx.fact("server.smb1_accepted")
    if smb1 == false then
      ctx.evidence("smb_dialect_mismatch", 10, "vers=1.0 asks for SMB1, which the server refuses")
    elseif smb1 == true then
      ctx.evidence("smb_dialect_mismatch", 0.1, "vers=1.0 asks for SMB1, which the server accepts")
    end
    return
  end
  local wanted = offered(vers, ctx.fact("host.kernel"))
  -- unknown vers=, an SMB1 default (kernel before 4.13), or an SMB1-only server (smb1_only_server)
  if wanted == nil or #server == 0 then return end
  local accepts = {}
  for _, d in ipairs(server) do
    local code = dialect_code(d)
    if code ~= nil then accepts[code] = true end
  end
  for _, code in ipairs(wanted) do
    if accepts[code] then
      ctx.evidence("smb_dialect_mismatch", 0.05, "vers=" .. vers .. " shares a dialect with the server")
      return
    end
  end
  ctx.evidence("smb_dialect_mismatch", 30,
    "vers=" .. vers .. " has no dialect in common with the server's " .. table.concat(server, ", "))
end

-- credentials_file_stale: the credentials= file named by fstab was last changed before the password change,
-- so it still holds the old password.
---@param ctx kbdiag.Context
function M.credentials_file_stale(ctx)
  local changed_at = ctx.fact("user.password_changed_at")
  local older, newer = false, false
  for _, f in ipairs(ctx.fact("linux.cifs.credentials_files")) do
    if f.exists == true and type(f.modified) == "number" then
      if f.modified < changed_at then older = true else newer = true end
    end
  end
  if older and not newer then
    ctx.evidence("stale_saved_credential", 6, "the credentials file predates the password change")
  elseif newer and not older then
    ctx.evidence("stale_saved_credential", 0.3, "the credentials file was rewritten after the password change")
  end
end

return M
