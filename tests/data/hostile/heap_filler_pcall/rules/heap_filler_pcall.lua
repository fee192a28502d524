-- Fills the shared Lua heap, swallows the memory error with pcall and keeps the filler in a file-level table.
local hoard = {}
local M = {}
function M.run(ctx)
  pcall(function()
    while true do hoard[#hoard + 1] = string.rep("x", 1000) .. #hoard end
  end)
end
return M
