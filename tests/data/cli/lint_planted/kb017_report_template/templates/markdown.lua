-- A Markdown template that fails on a field the report does not have (planted for kb lint: KB017).
return function(report, h)
  local out = {}
  out[#out + 1] = "# " .. report.problem.title
  out[#out + 1] = report.no_such_section.title
  return table.concat(out, "\n")
end
