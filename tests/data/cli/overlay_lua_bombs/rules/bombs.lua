local M = {}

function M.spin(ctx)
  local n = 0
  while true do n = n + 1 end
end

function M.hog(ctx)
  local s, t = "x", {}
  while true do
    s = s .. s
    t[#t + 1] = s
  end
end

return M
