-- luacheck configuration for the knowledge base's Lua rules (knowledge/rules/*.lua): `luacheck rules`
-- from this folder. It mirrors the sandbox the rules run in (bindings/lua/sandbox.cpp): Lua 5.4's base library
-- without dofile, loadfile, load, collectgarbage, print and warn, and with a require that loads only the shared
-- modules in rules/lib (require("hostnames") -> rules/lib/hostnames.lua); copies of string (without
-- string.dump), table, math and utf8; no io, os, debug, coroutine or package. Using anything else is flagged
-- here, and fails at run time (an "attempt to index a nil value" in the diagnosis).
std = "lua54"
not_globals = {
  "collectgarbage", "dofile", "load", "loadfile", "print", "warn",
  "coroutine", "debug", "io", "os", "package", "arg",
  "string.dump",
}
-- _G is the rule file's own environment: read from it if you must, never write to it. Rules keep their state in
-- locals; a rule file returns a table of functions, each called as f(ctx) (see rules/kbdiag.d.lua).
read_globals = { _G = { fields = {} } }
-- Setting any global is flagged (luacheck's default); so is an unused variable or argument.
max_line_length = 120
-- rules/kbdiag.d.lua only describes the ctx API for lua-language-server: it says `luacheck: ignore` itself.
