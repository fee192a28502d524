-- Escape attempts: each must fail as a runtime error at its own line.
local M = {}
function M.io(ctx) return io.open("/etc/passwd") end
function M.os(ctx) return os.execute("true") end
function M.require(ctx) return require("os") end
function M.binary(ctx) return load("\27Lua\84\0")() end
function M.debug(ctx) return debug.getinfo(1) end
function M.dump(ctx) return ("").dump(function() end) end
function M.string_metatable(ctx) getmetatable("").__index.find = nil end
function M.collectgarbage(ctx) collectgarbage("stop") end
function M.gc_metamethod(ctx) setmetatable({}, {__gc = function() end}) end
return M
