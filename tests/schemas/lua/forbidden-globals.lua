-- A planted rule file that uses what the sandbox does not have: luacheck with knowledge/.luacheckrc must flag
-- every line named by an "expect" comment (W113: accessing an undefined variable; W143: an undefined field of a
-- standard library; W111: setting a global; W122: setting a read-only field). require itself is the sandbox's
-- (shared modules in rules/lib, knowledge/README.md): luacheck allows it, the runtime refuses unknown names.
local M = {}

---@param ctx kbdiag.Context
function M.reads_a_file(ctx)
  local f = io.open("/etc/passwd")                 -- expect: W113 io
  local now = os.time()                            -- expect: W113 os
  print("debugging", now)                          -- expect: W113 print
  local json = package.loaded.json                 -- expect: W113 package
  local code = string.dump(M.reads_a_file)         -- expect: W143 dump
  local chunk = load("return 1")                   -- expect: W113 load
  local co = coroutine.create(function() end)      -- expect: W113 coroutine
  last_server = ctx.fact("target.server")          -- expect: W111 last_server
  math.pi = 3                                      -- expect: W122 pi
  return f, json, code, chunk, co
end

return M
