-- The Markdown export of a diagnosis: `kbdiag infer --format markdown`, meant to be pasted into a ticket
-- (GitHub, GitLab, Jira and other CommonMark-style renderers: ATX headings, pipe tables, plain lists, no HTML).
--
-- The file returns function(report, h) that returns the document. `report` is the JSON report
-- (`kbdiag infer --format json`) as Lua tables; every string in it is already escaped for Markdown, so write
-- values as they are and never escape them again. `h` has a few helpers whose results are escaped too:
-- h.percent(p), h.minutes(m), h.ratio(lr), h.join(list, sep), h.code(s) (a value as inline code), h.inline(s)
-- (the `quoted` parts of a text as inline code), and h.format ("markdown").
-- See knowledge/README.md, "Report templates". Override it with --kb DIR holding templates/markdown.lua.

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

-- The document is built as a list of lines.
local Doc = {}
Doc.__index = Doc

local function new_doc() return setmetatable({ lines = {} }, Doc) end

function Doc:add(...)
  for _, line in ipairs({ ... }) do self.lines[#self.lines + 1] = line end
end

function Doc:heading(level, title)
  if #self.lines > 0 then self:add("") end
  self:add(string.rep("#", level) .. " " .. title, "")
end

function Doc:table(header, align, rows)
  self:add("| " .. table.concat(header, " | ") .. " |", "|" .. table.concat(align, "|") .. "|")
  for _, row in ipairs(rows) do self:add("| " .. table.concat(row, " | ") .. " |") end
end

-- ---- sections ------------------------------------------------------------------------------------------

local function title_block(doc, report)
  local problem = report.problem or {}
  if report.is_triage then
    doc:add("# kbdiag triage: no error code given")
  else
    doc:add("# kbdiag diagnosis: " .. (present(problem.title) and problem.title or text(problem.id)))
  end
  doc:add("")
  local facts = {}
  if present(problem.error) then
    local message = present(problem.message) and (" (" .. problem.message .. ")") or ""
    facts[#facts + 1] = "- **Error:** " .. problem.error .. message
  end
  if present(problem.id) then facts[#facts + 1] = "- **Problem:** " .. problem.id end
  facts[#facts + 1] = "- **Host:** " .. (present(report.host) and report.host or "unknown")
  if present(report.snapshot) then facts[#facts + 1] = "- **Snapshot:** " .. report.snapshot end
  local version = present(report.kbdiag_version) and (" " .. report.kbdiag_version) or ""
  facts[#facts + 1] = "- **Report:** kbdiag" .. version .. ", " .. text(report.rules_run or 0) .. " rules run"
  doc:add(table.unpack(facts))
  for _, note in ipairs(list(report.notes)) do doc:add("", "> " .. note) end
end

-- Rules that failed while running, before the summary: the ranking below was made without them.
local function rule_errors_section(doc, report)
  local errors = list(report.rule_errors)
  if #errors == 0 then return end
  doc:heading(2, "Rule errors")
  for _, e in ipairs(errors) do
    doc:add(string.format("- **%s** %s (%s, %s)", text(e.code), text(e.message), text(e.rule), text(e.location)))
  end
end

-- The summary, when the report has one (its fields are optional: show what is there).
local function summary_section(doc, report, h)
  local summary = report.summary
  if type(summary) ~= "table" then return end
  local lines = {}
  for _, cause in ipairs(list(summary.causes)) do
    local where = present(cause.problem_title) and (" (" .. cause.problem_title .. ")") or ""
    local chance = type(cause.probability) == "number" and (", " .. h.percent(cause.probability)) or ""
    lines[#lines + 1] = "- **Likely cause:** " .. text(cause.title) .. where .. chance
  end
  local fix = summary.first_fix
  if type(fix) == "table" and present(fix.title) and summary.has_fix ~= false then
    local cost = type(fix.cost_minutes) == "number" and (" (" .. h.minutes(fix.cost_minutes) .. ")") or ""
    lines[#lines + 1] = "- **First fix:** " .. fix.title .. cost
  end
  local check = summary.next_check
  if type(check) == "table" and present(check.text) then
    local why = present(check.why) and (" (" .. check.why .. ")") or ""
    local command = present(check.command) and (" " .. h.code(check.command)) or ""
    lines[#lines + 1] = "- **Next check:** " .. h.inline(check.text) .. command .. why
  end
  if #lines == 0 then return end
  doc:heading(2, "Summary")
  doc:add(table.unpack(lines))
end

local function evidence_line(evidence, h)
  local facts = {}
  local names = {}
  for name in pairs(list(evidence.facts)) do names[#names + 1] = name end
  table.sort(names)
  for i, name in ipairs(names) do facts[i] = name .. " = " .. text(evidence.facts[name]) end
  local line = "- " .. h.ratio(evidence.applied_lr or evidence.lr or 1) .. " " .. text(evidence.title)
  if #facts > 0 then line = line .. " (" .. table.concat(facts, ", ") .. ")" end
  if evidence.counted == false then line = line .. ", not counted" end
  if present(evidence.note) then line = line .. ": " .. evidence.note end
  if present(evidence.location) then
    line = line .. " (rule " .. text(evidence.rule) .. ", " .. evidence.location .. ")"
  end
  return line
end

-- The ranking lists "other" (a cause the knowledge base does not know) as a cause; older reports only give
-- other_probability.
local function has_other(causes)
  for _, cause in ipairs(causes) do
    if cause.id == "other" then return true end
  end
  return false
end

local function cause_details(doc, i, cause, h)
  doc:heading(3, string.format("%d. %s (%s)", i, text(cause.title), h.percent(cause.probability or 0)))
  if present(cause.applies_to) then doc:add("Applies to: " .. cause.applies_to, "") end
  local evidence = list(cause.evidence)
  if #evidence == 0 then
    doc:add("No evidence either way: its probability is the knowledge base's prior.")
  else
    doc:add("Evidence:", "")
    for _, item in ipairs(evidence) do doc:add(evidence_line(item, h)) end
  end
  local fixes = list(cause.fixes)
  if #fixes > 0 then
    doc:add("", "Fixes:", "")
    for _, fix in ipairs(fixes) do
      doc:add(string.format("- %s (works in %s of cases, %s, risk %s)", text(fix.title), h.percent(fix.success or 0),
                            h.minutes(fix.cost_minutes or 0), text(fix.risk)))
    end
  end
  if present(cause.location) then doc:add("", "Defined at " .. cause.location .. ".") end
end

local function causes_section(doc, report, h)
  local causes = list(report.causes)
  doc:heading(2, "Likely causes")
  if #causes == 0 then
    doc:add("No cause of this problem is known to the knowledge base.")
    return
  end
  local rows = {}
  for i, cause in ipairs(causes) do
    rows[i] = { tostring(i), text(cause.title), h.percent(cause.probability or 0), h.percent(cause.prior or 0),
                tostring(#list(cause.evidence)) }
  end
  if type(report.other_probability) == "number" and not has_other(causes) then
    rows[#rows + 1] = { "", "Another cause", h.percent(report.other_probability), "", "" }
  end
  doc:table({ "#", "Cause", "Probability", "Before evidence", "Evidence" }, { "--:", "---", "--:", "--:", "--:" }, rows)
  for i, cause in ipairs(causes) do
    if cause.id ~= "other" then cause_details(doc, i, cause, h) end
  end
end

local function plan_section(doc, report, h)
  local plan = list(report.plan)
  doc:heading(2, "Fix plan")
  if #plan == 0 then
    doc:add("No fix to try.")
    return
  end
  if type(report.expected_cost_minutes) == "number" then
    doc:add("Expected work until it is solved: " .. h.minutes(report.expected_cost_minutes) .. ".", "")
  end
  for i, fix in ipairs(plan) do
    doc:add(string.format("%d. **%s** (%s, risk %s, solves it in %s of the cases left)", i, text(fix.title),
                          h.minutes(fix.cost_minutes or 0), text(fix.risk), h.percent(fix.p_success or 0)))
    for j, step in ipairs(list(fix.steps)) do
      local when = present(step.condition) and ("(if " .. step.condition .. ") ") or ""
      doc:add(string.format("    %d. %s%s", j, when, h.inline(text(step.text))))
    end
    if present(fix.verify) then doc:add("", "    Check: " .. fix.verify, "") end
  end
end

local function questions_section(doc, report, h)
  local questions = list(report.questions)
  if #questions == 0 then return end
  doc:heading(2, "Questions worth asking")
  for i, q in ipairs(questions) do
    local saves = type(q.value) == "number" and q.value > 0
    local worth = saves and (", saves about " .. h.minutes(q.value) .. " of work") or ""
    local how = present(q.collector) and q.collector ~= "manual" and (", collector " .. q.collector) or ""
    doc:add(string.format("%d. %s (fact %s%s%s)", i, text(q.question), text(q.fact), how, worth))
  end
end

-- Rules that would have counted had a fact been known: what else is worth finding out.
local function near_misses_section(doc, report)
  local near = list(report.near_misses)
  if #near == 0 then return end
  doc:heading(2, "Rules that nearly applied")
  for _, miss in ipairs(near) do
    local missing = #list(miss.missing_facts) > 0 and (" (unknown: " .. text(miss.missing_facts) .. ")") or ""
    doc:add("- " .. text(miss.title) .. missing)
  end
end

local function triage_section(doc, report, h)
  local triage = report.triage
  if type(triage) ~= "table" then return end
  doc:heading(2, "Where the evidence points")
  if type(triage.problems_considered) == "number" then
    doc:add(string.format("%d problems of this platform were diagnosed with this machine's facts.",
                          triage.problems_considered), "")
  end
  local entries = list(triage.entries)
  if #entries == 0 then
    doc:add("No evidence points to any cause yet.")
  else
    local rows = {}
    for i, e in ipairs(entries) do
      rows[i] = { tostring(i), text(e.cause_title), text(e.problem_title), text(list(e.codes)[1]),
                  h.percent(e.probability or 0), h.ratio(e.evidence_factor or 1), text(e.first_fix) }
    end
    doc:table({ "#", "Cause", "Problem", "Error code", "Probability", "Evidence", "First fix" },
              { "--:", "---", "---", "---", "--:", "--:", "---" }, rows)
    doc:add("")
    for i, e in ipairs(entries) do
      if #list(e.evidence) > 0 then
        doc:add(string.format("%d. %s: %s", i, text(e.cause_title), h.join(e.evidence, "; ")))
      end
    end
  end
  local steps = list(triage.next_steps)
  if #steps > 0 then
    doc:heading(2, "Next steps")
    for i, step in ipairs(steps) do doc:add(string.format("%d. %s", i, h.inline(step))) end
  end
end

-- `facts` (the facts the diagnosis used) or `also_checked` (collected facts the report shows though no
-- finding used them).
local function facts_section(doc, facts, title)
  facts = list(facts)
  if #facts == 0 then return end
  doc:heading(2, title)
  local rows = {}
  for i, f in ipairs(facts) do
    local value = text(f.value)
    if present(f.note) and f.note ~= value then value = value .. (value ~= "" and " " or "") .. "(" .. f.note .. ")" end
    rows[i] = { text(f.name), value, text(f.state), text(f.source) }
  end
  doc:table({ "Fact", "Value", "State", "Source" }, { "---", "---", "---", "---" }, rows)
end

local function collectors_section(doc, report)
  local collectors = list(report.collectors)
  if #collectors == 0 then return end
  doc:heading(2, "Collectors")
  local rows = {}
  for i, c in ipairs(collectors) do
    rows[i] = { text(c.id), text(c.status), text(c.duration_ms) .. " ms", text(c.message) }
  end
  doc:table({ "Collector", "Status", "Time", "Message" }, { "---", "---", "--:", "---" }, rows)
end

local function diagnostics_section(doc, report)
  local diagnostics, skipped = list(report.diagnostics), list(report.skipped)
  if #diagnostics == 0 and #skipped == 0 then return end
  doc:heading(2, "Diagnostics and skipped rules")
  for _, d in ipairs(diagnostics) do
    local where = present(d.location) and (d.location .. ": ") or ""
    doc:add(string.format("- %s%s %s: %s", where, text(d.severity), text(d.code), text(d.message)))
  end
  for _, s in ipairs(skipped) do
    doc:add(string.format("- rule %s skipped: %s", text(s.rule), text(s.reason)))
  end
end

-- How this knowledge base differs from the article it started from (long: at the end, not at the top).
local function article_section(doc, report)
  local differs = list(report.article_differs)
  local notes = (report.problem or {}).article_notes
  if #differs == 0 and not present(notes) then return end
  doc:heading(2, "Where the original article differs")
  if present(notes) then doc:add(notes, "") end
  for _, line in ipairs(differs) do doc:add("- " .. line) end
end

return function(report, h)
  local doc = new_doc()
  title_block(doc, report)
  rule_errors_section(doc, report)
  summary_section(doc, report, h)
  if report.is_triage then
    triage_section(doc, report, h)
  else
    causes_section(doc, report, h)
    plan_section(doc, report, h)
    questions_section(doc, report, h)
    near_misses_section(doc, report)
    article_section(doc, report)
  end
  facts_section(doc, report.facts, "Facts used")
  facts_section(doc, report.also_checked, "Also checked")
  collectors_section(doc, report)
  diagnostics_section(doc, report)
  -- One blank line between blocks, none at the end.
  local out, blank = {}, true
  for _, line in ipairs(doc.lines) do
    if line ~= "" or not blank then out[#out + 1] = line end
    blank = line == ""
  end
  while out[#out] == "" do out[#out] = nil end
  return table.concat(out, "\n") .. "\n"
end
