local function down(n) return down(n + 1) + 1 end
return { run = function(ctx) return down(1) end }
