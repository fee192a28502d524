-- The costly search runs at file top level: while kbdiag loads the file (kb lint, infer).
local found = ("a"):rep(3e5):find(".-b")
return { run = function(ctx) return found end }
