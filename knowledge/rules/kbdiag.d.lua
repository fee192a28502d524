---@meta kbdiag
-- The rule API as bindings/lua implements it, for lua-language-server (hover, completion, type checks).
-- kbdiag never loads this file: it is not a rule file (and luacheck skips it: the next line).
-- luacheck: ignore
--
-- A rule file returns a table of functions; a rule's YAML names one with `script: {file, function}`. kbdiag
-- calls it as f(ctx) and ignores what it returns. Annotate each rule function so the editor knows ctx:
--
--   local M = {}
--
--   ---@param ctx kbdiag.Context
--   function M.stale_credential(ctx)
--     local server = ctx.fact("target.server")
--   end
--
--   return M
--
-- The sandbox (bindings/lua/sandbox.cpp): Lua 5.4's base library without dofile, loadfile, load,
-- collectgarbage, print, require and warn (setmetatable refuses __gc); copies of string (without string.dump),
-- table, math (math.random is seeded with a fixed value, so results are deterministic) and utf8. No io, os,
-- debug, coroutine or package. Each call runs under an instruction budget and the Lua state under a memory cap;
-- a rule that raises an error or exceeds a budget is reported (RULE001..RULE006) with its file:line, everything
-- that call gave (evidence and derived facts) is dropped, and the diagnosis goes on without it.

---A fact's state.
---`"known"`: it has a value; `"absent"`: a collector looked and found nothing (e.g. a registry value not set);
---`"failed"`: a collector could not tell; `"unknown"`: nobody said. Unknown is not false.
---@alias kbdiag.FactState "known"|"absent"|"failed"|"unknown"

---One record of a `records` fact: field name -> value, typed as the catalog's `fields` say (timestamps are
---integers: seconds since 1970, UTC). A field the record lacks is nil.
---@alias kbdiag.Record table<string, boolean|integer|string>

---A fact's value as Lua sees it, by catalog type: boolean -> boolean; integer -> integer; timestamp -> integer
---(seconds since 1970, UTC); string and enumeration -> string (an enumeration as the catalog spells the value);
---string_list -> a sequence of strings; records -> a sequence of record tables.
---@alias kbdiag.FactValue boolean|integer|string|string[]|kbdiag.Record[]

---A Windows release hint row (knowledge/hints, `windows_releases:`). Text keys the row does not set are "".
---@class kbdiag.WindowsRelease
---@field build integer The row's build number (the highest row whose build is at most the build asked for).
---@field name string The release's name, e.g. "Windows 11 24H2".
---@field family string The family, e.g. "windows11"; "server" for server rows.
---@field version string The version, e.g. "24H2".
---@field notes string Notes for authors.
---@field defaults table<string, kbdiag.FactValue> The row's `defaults` (true/false, integers typed; else text).
---@field guest_blocked_editions string[] EditionIDs that block insecure guest logons by default.
---@field signing_required_editions string[] EditionIDs that require SMB signing by default.

---A vendor hint row (knowledge/hints, `vendors:`). Text keys the row does not set are "".
---@class kbdiag.Vendor
---@field id string The vendor's id (a value of the fact server.vendor), e.g. "synology".
---@field name string The product's name, e.g. "Synology DSM".
---@field notes string Notes shown with the vendor.
---@field ui_paths table<string, string> setting -> where it is in the vendor's UI.

---The context a rule function gets. It is valid only during that call (keeping it for later raises an error).
---Every function raises an error when the rule breaks its declaration (an undeclared fact, cause or derived
---fact, a value of the wrong type); the rule is then reported and its output dropped.
---It is a table of functions: read from it, never assign to it.
---@class (exact) kbdiag.Context
local Context = {}

---The value of a fact, or nil unless the fact is known (absent, failed and unknown all give nil: use
---ctx.state to tell them apart).
---The rule may read only facts it declares in `requires`, `reads` or its `when` condition (RULE006 otherwise).
---@param name string A fact name from the catalog, e.g. "windows.build".
---@return kbdiag.FactValue|nil value
function Context.fact(name) end

---The state of a fact: "known", "absent", "failed" or "unknown".
---The same declaration rule as ctx.fact applies (RULE006).
---@param name string A fact name from the catalog.
---@return kbdiag.FactState state
function Context.state(name) end

---Evidence for or against a cause, as a likelihood ratio: how much more likely what the rule saw is when the
---cause is the real one than when it is not (10 strong support, 0.1 strong evidence against, 1 nothing). The
---engine clamps it to [0.01, 100] unless the rule is `definitive: true`. Rules in one `group` count once per
---cause (the strongest).
---The cause must be in the rule's `causes` (RULE004 otherwise); lr must be a finite number above 0.
---@param cause string A cause id listed in the rule's `causes`.
---@param lr number The likelihood ratio, a finite number > 0.
---@param note? string Why, in a few words; shown with the evidence in the report.
function Context.evidence(cause, lr, note) end

---Sets a derived fact (other rules and conditions may then read it). Calling it twice for one fact keeps the
---last value.
---The fact must be in the rule's `derives` (RULE004 otherwise) and the value must fit the catalog type:
---boolean -> boolean; integer and timestamp -> an integer (a float with an integral value is accepted);
---string -> string; enumeration -> one of the catalog's values, spelt exactly; string_list -> a sequence of
---strings; records -> a sequence of tables whose keys are declared fields. Strings are never converted to
---numbers or back.
---@param fact string A fact listed in the rule's `derives`.
---@param value boolean|integer|string|string[]|kbdiag.Record[] The value (not nil).
function Context.derive(fact, value) end

---The Windows release hint row for a build: the row with the highest build at most `build`, among the client
---rows (family other than "server"), or among the server rows (family "server") when `server` is true.
---nil when no row is that old.
---@param build integer A build number, e.g. ctx.fact("windows.build").
---@param server? boolean true: look among the server rows.
---@return kbdiag.WindowsRelease|nil row
function Context.windows_release(build, server) end

---The vendor hint row with this id, or nil.
---@param id string A vendor id, e.g. ctx.fact("server.vendor").
---@return kbdiag.Vendor|nil row
function Context.vendor(id) end

---What a rule file returns: rule function name -> function. A rule's YAML names one in `script.function`.
---@alias kbdiag.RuleModule table<string, fun(ctx: kbdiag.Context)>
