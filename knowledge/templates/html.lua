-- The HTML export of a diagnosis: `kbdiag infer --format html`. One self-contained file: inline CSS only (with
-- print rules), no scripts, no external fonts, images or links; a Content-Security-Policy forbids them as well.
--
-- The file returns function(report, h) that returns the document. `report` is the JSON report
-- (`kbdiag infer --format json`) as Lua tables; every string in it is already escaped for HTML (& < > " '
-- and control characters), so write values as they are and never escape them again. `h` has a few helpers
-- whose results are escaped too: h.percent(p), h.minutes(m), h.ratio(lr), h.join(list, sep), h.code(s) (a value
-- as <code>), h.inline(s) (the `quoted` parts of a text as <code>), and h.format ("html").
-- See knowledge/README.md, "Report templates". Override it with --kb DIR holding templates/html.lua.

local style = [[
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --accent: #0b5cad;
        --up: #a40e26; --down: #1a7f37; --bar: #4b8bd4; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 24px 32px 48px; color: var(--ink); background: #fff;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
h1 { font-size: 1.6em; margin: 0 0 .4em; }
h2 { font-size: 1.25em; margin: 1.6em 0 .6em; padding-bottom: .2em; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05em; margin: 0 0 .4em; }
p { margin: .4em 0; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1em; margin: 0; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.note { border-left: 4px solid var(--accent); background: var(--soft); padding: .4em .8em; margin: .6em 0; }
.summary { border: 1px solid var(--line); border-radius: 6px; padding: .6em 1em; background: var(--soft); }
.summary ul { margin: .2em 0; padding-left: 1.2em; }
.summary h2 { margin-top: .2em; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; }
th, td { border: 1px solid var(--line); padding: .3em .55em; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
code { font-family: ui-monospace, "Cascadia Mono", Consolas, monospace; background: var(--soft); padding: 0 .25em; }
.bar { display: inline-block; width: 120px; height: .7em; background: #e6ebf1; border-radius: 3px;
       vertical-align: middle; margin-right: .5em; overflow: hidden; }
.bar span { display: block; height: 100%; background: var(--bar); }
.cause { border: 1px solid var(--line); border-radius: 6px; padding: .7em 1em; margin: .8em 0; }
.cause h3 .pct { float: right; color: var(--accent); }
.evidence { list-style: none; padding-left: 0; margin: .3em 0; }
.evidence li { margin: .25em 0; padding-left: 4.2em; text-indent: -4.2em; }
.lr { display: inline-block; min-width: 3.6em; text-indent: 0; font-weight: 600; text-align: right;
      margin-right: .6em; }
.lr.up { color: var(--up); }
.lr.down { color: var(--down); }
.uncounted { color: var(--muted); }
.where, .small { color: var(--muted); font-size: .85em; overflow-wrap: anywhere; }
.plan > li { margin: .7em 0; }
.plan .steps { margin: .3em 0; }
.plan .steps li { white-space: pre-line; }
.verify { color: var(--muted); }
.tag { display: inline-block; border: 1px solid var(--line); border-radius: 10px; padding: 0 .5em;
       font-size: .85em; color: var(--muted); margin-left: .3em; }
footer { margin-top: 2.5em; color: var(--muted); font-size: .85em; }
@media print {
  @page { margin: 14mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  .cause, tr, .plan > li, .summary { break-inside: avoid; }
  .bar, .bar span, th, .summary, .note { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
]]

-- A value of any type as text: lists joined with commas, records as "field=value" pairs.
local function text(value)
  local kind = type(value)
  if kind == "nil" then return "" end
  if kind == "boolean" then return value and "true" or "false" end
  if kind == "number" then
    if math.type(value) == "float" and value == math.floor(value) and math.abs(value) < 1e15 then
      return string.format("%d", value)
    end
    return tostring(value)
  end
  if kind ~= "table" then return tostring(value) end
  if #value > 0 or next(value) == nil then
    local items = {}
    for i, item in ipairs(value) do items[i] = text(item) end
    return table.concat(items, ", ")
  end
  local names = {}
  for name in pairs(value) do names[#names + 1] = name end
  table.sort(names)
  local pairs_text = {}
  for i, name in ipairs(names) do pairs_text[i] = name .. "=" .. text(value[name]) end
  return table.concat(pairs_text, "; ")
end

local function present(value)
  return value ~= nil and value ~= "" and not (type(value) == "table" and next(value) == nil)
end

local function list(value)
  return type(value) == "table" and value or {}
end

-- A percentage bar; the width comes from a number, never from a string of the report.
local function bar(p)
  local width = type(p) == "number" and math.max(0, math.min(1, p)) * 100 or 0
  return string.format('<span class="bar"><span style="width:%.1f%%"></span></span>', width)
end

local function table_html(header, numeric, rows)
  local out = { "<table><thead><tr>" }
  for i, cell in ipairs(header) do
    out[#out + 1] = string.format('<th%s>%s</th>', numeric[i] and ' class="num"' or "", cell)
  end
  out[#out + 1] = "</tr></thead><tbody>"
  for _, row in ipairs(rows) do
    out[#out + 1] = "<tr>"
    for i, cell in ipairs(row) do
      out[#out + 1] = string.format('<td%s>%s</td>', numeric[i] and ' class="num"' or "", cell)
    end
    out[#out + 1] = "</tr>"
  end
  out[#out + 1] = "</tbody></table>"
  return table.concat(out, "\n")
end

-- ---- sections ------------------------------------------------------------------------------------------

local function page_title(report)
  local problem = report.problem or {}
  if report.is_triage then return "kbdiag triage: no error code given" end
  return "kbdiag diagnosis: " .. (present(problem.title) and problem.title or text(problem.id))
end

local function header_section(out, report)
  local problem = report.problem or {}
  out[#out + 1] = "<header>\n<h1>" .. page_title(report) .. "</h1>\n<dl class=\"meta\">"
  local function row(name, value) out[#out + 1] = "<dt>" .. name .. "</dt><dd>" .. value .. "</dd>" end
  if present(problem.error) then
    row("Error", problem.error .. (present(problem.message) and (" (" .. problem.message .. ")") or ""))
  end
  if present(problem.id) then row("Problem", problem.id) end
  row("Host", present(report.host) and report.host or "unknown")
  if present(report.snapshot) then row("Snapshot", report.snapshot) end
  local version = present(report.kbdiag_version) and (" " .. report.kbdiag_version) or ""
  row("Report", "kbdiag" .. version .. ", " .. text(report.rules_run or 0) .. " rules run")
  out[#out + 1] = "</dl>"
  for _, note in ipairs(list(report.notes)) do out[#out + 1] = '<p class="note">' .. note .. "</p>" end
  out[#out + 1] = "</header>"
end

-- Rules that failed while running, before the summary: the ranking below was made without them.
local function rule_errors_section(out, report)
  local errors = list(report.rule_errors)
  if #errors == 0 then return end
  local items = {}
  for i, e in ipairs(errors) do
    items[i] = string.format("<li><strong>%s</strong> %s <span class=\"where\">rule %s, %s</span></li>", text(e.code),
                             text(e.message), text(e.rule), text(e.location))
  end
  out[#out + 1] = '<section class="summary rule-errors">\n<h2>Rule errors</h2>\n<ul>\n' .. table.concat(items, "\n")
                  .. "\n</ul>\n</section>"
end

-- The summary, when the report has one (its fields are optional: show what is there).
local function summary_section(out, report, h)
  local summary = report.summary
  if type(summary) ~= "table" then return end
  local items = {}
  for _, cause in ipairs(list(summary.causes)) do
    local where = present(cause.problem_title) and (" (" .. cause.problem_title .. ")") or ""
    local chance = type(cause.probability) == "number" and (", " .. h.percent(cause.probability)) or ""
    items[#items + 1] = "<li><strong>Likely cause:</strong> " .. text(cause.title) .. where .. chance .. "</li>"
  end
  local fix = summary.first_fix
  if type(fix) == "table" and present(fix.title) and summary.has_fix ~= false then
    local cost = type(fix.cost_minutes) == "number" and (" (" .. h.minutes(fix.cost_minutes) .. ")") or ""
    items[#items + 1] = "<li><strong>First fix:</strong> " .. fix.title .. cost .. "</li>"
  end
  local check = summary.next_check
  if type(check) == "table" and present(check.text) then
    local why = present(check.why) and (' <span class="small">(' .. check.why .. ")</span>") or ""
    local command = present(check.command) and (" " .. h.code(check.command)) or ""
    items[#items + 1] = "<li><strong>Next check:</strong> " .. h.inline(check.text) .. command .. why .. "</li>"
  end
  if #items == 0 then return end
  out[#out + 1] = '<section class="summary">\n<h2>Summary</h2>\n<ul>\n' .. table.concat(items, "\n")
                  .. "\n</ul>\n</section>"
end

local function evidence_item(evidence, h)
  local lr = evidence.applied_lr or evidence.lr or 1
  local class = lr > 1 and "lr up" or (lr < 1 and "lr down" or "lr")
  local facts = {}
  local names = {}
  for name in pairs(list(evidence.facts)) do names[#names + 1] = name end
  table.sort(names)
  for i, name in ipairs(names) do facts[i] = name .. " = " .. text(evidence.facts[name]) end
  local muted = evidence.counted == false and ' class="uncounted"' or ""
  local item = string.format('<li%s><span class="%s">%s</span>%s', muted, class, h.ratio(lr), text(evidence.title))
  if #facts > 0 then item = item .. " (" .. table.concat(facts, ", ") .. ")" end
  if evidence.counted == false then item = item .. " <span class=\"tag\">not counted</span>" end
  if present(evidence.note) then item = item .. ": " .. evidence.note end
  if present(evidence.location) then
    item = item .. ' <span class="where">rule ' .. text(evidence.rule) .. ", " .. evidence.location .. "</span>"
  end
  return item .. "</li>"
end

local function cause_article(i, cause, h)
  local out = { '<article class="cause">',
                string.format('<h3>%d. %s <span class="pct">%s</span></h3>', i, text(cause.title),
                              h.percent(cause.probability or 0)) }
  if present(cause.applies_to) then out[#out + 1] = "<p>Applies to: " .. cause.applies_to .. "</p>" end
  local evidence = list(cause.evidence)
  if #evidence == 0 then
    out[#out + 1] = "<p>No evidence either way: its probability is the knowledge base's prior.</p>"
  else
    out[#out + 1] = '<ul class="evidence">'
    for _, item in ipairs(evidence) do out[#out + 1] = evidence_item(item, h) end
    out[#out + 1] = "</ul>"
  end
  local fixes = list(cause.fixes)
  if #fixes > 0 then
    out[#out + 1] = "<p>Fixes:</p><ul>"
    for _, fix in ipairs(fixes) do
      out[#out + 1] = string.format("<li>%s <span class=\"small\">(works in %s of cases, %s, risk %s)</span></li>",
                                    text(fix.title), h.percent(fix.success or 0), h.minutes(fix.cost_minutes or 0),
                                    text(fix.risk))
    end
    out[#out + 1] = "</ul>"
  end
  if present(cause.location) then out[#out + 1] = '<p class="where">Defined at ' .. cause.location .. ".</p>" end
  out[#out + 1] = "</article>"
  return table.concat(out, "\n")
end

-- The ranking lists "other" (a cause the knowledge base does not know) as a cause; older reports only give
-- other_probability.
local function has_other(causes)
  for _, cause in ipairs(causes) do
    if cause.id == "other" then return true end
  end
  return false
end

local function causes_section(out, report, h)
  local causes = list(report.causes)
  out[#out + 1] = "<section>\n<h2>Likely causes</h2>"
  if #causes == 0 then
    out[#out + 1] = "<p>No cause of this problem is known to the knowledge base.</p>\n</section>"
    return
  end
  local rows = {}
  for i, cause in ipairs(causes) do
    rows[i] = { tostring(i), text(cause.title), bar(cause.probability) .. h.percent(cause.probability or 0),
                h.percent(cause.prior or 0), tostring(#list(cause.evidence)) }
  end
  if type(report.other_probability) == "number" and not has_other(causes) then
    local other = report.other_probability
    rows[#rows + 1] = { "", "Another cause", bar(other) .. h.percent(other), "", "" }
  end
  out[#out + 1] = table_html({ "#", "Cause", "Probability", "Before evidence", "Evidence" },
                             { true, false, true, true, true }, rows)
  for i, cause in ipairs(causes) do
    if cause.id ~= "other" then out[#out + 1] = cause_article(i, cause, h) end
  end
  out[#out + 1] = "</section>"
end

local function plan_section(out, report, h)
  local plan = list(report.plan)
  out[#out + 1] = "<section>\n<h2>Fix plan</h2>"
  if #plan == 0 then
    out[#out + 1] = "<p>No fix to try.</p>\n</section>"
    return
  end
  if type(report.expected_cost_minutes) == "number" then
    out[#out + 1] = "<p>Expected work until it is solved: " .. h.minutes(report.expected_cost_minutes) .. ".</p>"
  end
  out[#out + 1] = '<ol class="plan">'
  for _, fix in ipairs(plan) do
    out[#out + 1] = string.format('<li><strong>%s</strong> <span class="small">(%s, risk %s, solves it in %s of the '
                                  .. "cases left)</span>", text(fix.title), h.minutes(fix.cost_minutes or 0),
                                  text(fix.risk), h.percent(fix.p_success or 0))
    local steps = list(fix.steps)
    if #steps > 0 then
      out[#out + 1] = '<ol class="steps">'
      for _, step in ipairs(steps) do
        local when = present(step.condition) and ("<em>(if " .. step.condition .. ")</em> ") or ""
        out[#out + 1] = "<li>" .. when .. h.inline(text(step.text)) .. "</li>"
      end
      out[#out + 1] = "</ol>"
    end
    if present(fix.verify) then out[#out + 1] = '<p class="verify">Check: ' .. fix.verify .. "</p>" end
    out[#out + 1] = "</li>"
  end
  out[#out + 1] = "</ol>\n</section>"
end

local function questions_section(out, report, h)
  local questions = list(report.questions)
  if #questions == 0 then return end
  out[#out + 1] = "<section>\n<h2>Questions worth asking</h2>\n<ol>"
  for _, q in ipairs(questions) do
    local saves = type(q.value) == "number" and q.value > 0
    local worth = saves and (", saves about " .. h.minutes(q.value) .. " of work") or ""
    local how = present(q.collector) and q.collector ~= "manual" and (", collector " .. q.collector) or ""
    out[#out + 1] = string.format('<li>%s <span class="small">(fact %s%s%s)</span></li>', text(q.question),
                                  text(q.fact), how, worth)
  end
  out[#out + 1] = "</ol>\n</section>"
end

-- Rules that would have counted had a fact been known: what else is worth finding out.
local function near_misses_section(out, report)
  local near = list(report.near_misses)
  if #near == 0 then return end
  out[#out + 1] = "<section>\n<h2>Rules that nearly applied</h2>\n<ul>"
  for _, miss in ipairs(near) do
    local missing = #list(miss.missing_facts) > 0
                    and (' <span class="small">(unknown: ' .. text(miss.missing_facts) .. ")</span>") or ""
    out[#out + 1] = "<li>" .. text(miss.title) .. missing .. "</li>"
  end
  out[#out + 1] = "</ul>\n</section>"
end

local function triage_section(out, report, h)
  local triage = report.triage
  if type(triage) ~= "table" then return end
  out[#out + 1] = "<section>\n<h2>Where the evidence points</h2>"
  if type(triage.problems_considered) == "number" then
    out[#out + 1] = string.format("<p>%d problems of this platform were diagnosed with this machine's facts.</p>",
                                  triage.problems_considered)
  end
  local entries = list(triage.entries)
  if #entries == 0 then
    out[#out + 1] = "<p>No evidence points to any cause yet.</p>"
  else
    local rows = {}
    for i, e in ipairs(entries) do
      local why = #list(e.evidence) > 0 and ('<br><span class="small">' .. h.join(e.evidence, "; ") .. "</span>") or ""
      rows[i] = { tostring(i), text(e.cause_title) .. why, text(e.problem_title), text(list(e.codes)[1]),
                  bar(e.probability) .. h.percent(e.probability or 0), h.ratio(e.evidence_factor or 1),
                  text(e.first_fix) }
    end
    out[#out + 1] = table_html({ "#", "Cause", "Problem", "Error code", "Probability", "Evidence", "First fix" },
                               { true, false, false, false, true, true, false }, rows)
  end
  out[#out + 1] = "</section>"
  local steps = list(triage.next_steps)
  if #steps > 0 then
    out[#out + 1] = "<section>\n<h2>Next steps</h2>\n<ol>"
    for _, step in ipairs(steps) do out[#out + 1] = "<li>" .. h.inline(step) .. "</li>" end
    out[#out + 1] = "</ol>\n</section>"
  end
end

-- `facts` (the facts the diagnosis used) or `also_checked` (collected facts the report shows though no
-- finding used them).
local function facts_section(out, facts, title)
  facts = list(facts)
  if #facts == 0 then return end
  local rows = {}
  for i, f in ipairs(facts) do
    local value = text(f.value)
    if present(f.note) and f.note ~= value then
      value = value .. (value ~= "" and " " or "") .. '<span class="small">(' .. f.note .. ")</span>"
    end
    rows[i] = { text(f.name), value, text(f.state), text(f.source) }
  end
  local heading = "<section>\n<h2>" .. title .. "</h2>\n"
  out[#out + 1] = heading .. table_html({ "Fact", "Value", "State", "Source" }, {}, rows) .. "\n</section>"
end

local function collectors_section(out, report)
  local collectors = list(report.collectors)
  if #collectors == 0 then return end
  local rows = {}
  for i, c in ipairs(collectors) do
    rows[i] = { text(c.id), text(c.status), text(c.duration_ms) .. " ms", text(c.message) }
  end
  out[#out + 1] = "<section>\n<h2>Collectors</h2>\n"
                  .. table_html({ "Collector", "Status", "Time", "Message" }, { false, false, true, false }, rows)
                  .. "\n</section>"
end

local function diagnostics_section(out, report)
  local diagnostics, skipped = list(report.diagnostics), list(report.skipped)
  if #diagnostics == 0 and #skipped == 0 then return end
  out[#out + 1] = "<section>\n<h2>Diagnostics and skipped rules</h2>\n<ul>"
  for _, d in ipairs(diagnostics) do
    local where = present(d.location) and ('<span class="where">' .. d.location .. "</span> ") or ""
    out[#out + 1] = string.format("<li>%s%s %s: %s</li>", where, text(d.severity), text(d.code), text(d.message))
  end
  for _, s in ipairs(skipped) do
    out[#out + 1] = string.format("<li>rule %s skipped: %s</li>", text(s.rule), text(s.reason))
  end
  out[#out + 1] = "</ul>\n</section>"
end

-- How this knowledge base differs from the article it started from (long: at the end, not at the top).
local function article_section(out, report)
  local differs = list(report.article_differs)
  local notes = (report.problem or {}).article_notes
  if #differs == 0 and not present(notes) then return end
  out[#out + 1] = "<section>\n<h2>Where the original article differs</h2>"
  if present(notes) then out[#out + 1] = '<p class="small">' .. notes .. "</p>" end
  if #differs > 0 then
    out[#out + 1] = "<ul>"
    for _, line in ipairs(differs) do out[#out + 1] = "<li>" .. line .. "</li>" end
    out[#out + 1] = "</ul>"
  end
  out[#out + 1] = "</section>"
end

return function(report, h)
  local out = {
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    -- Nothing may load or run: no scripts, no fetches; inline styles only.
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    "<title>" .. page_title(report) .. "</title>",
    "<style>" .. style .. "</style>",
    "</head>",
    "<body>",
  }
  header_section(out, report)
  rule_errors_section(out, report)
  summary_section(out, report, h)
  if report.is_triage then
    triage_section(out, report, h)
  else
    causes_section(out, report, h)
    plan_section(out, report, h)
    questions_section(out, report, h)
    near_misses_section(out, report)
    article_section(out, report)
  end
  facts_section(out, report.facts, "Facts used")
  facts_section(out, report.also_checked, "Also checked")
  collectors_section(out, report)
  diagnostics_section(out, report)
  local version = present(report.kbdiag_version) and (" " .. report.kbdiag_version) or ""
  out[#out + 1] = "<footer>Written by kbdiag" .. version .. " (report schema " .. text(report.schema)
                  .. "). This page has no scripts and loads nothing.</footer>"
  out[#out + 1] = "</body>\n</html>\n"
  return table.concat(out, "\n")
end
