#!/usr/bin/env bash
# infer --format markdown|html: goldens (byte for byte, tests/data/report_formats/; KBDIAG_UPDATE_GOLDEN=1
# regenerates them), hostile values (a script tag and a terminal escape in the host name, a collector message and a
# fact) inert in both formats, template resolution through --kb overlays, and a broken or missing template as
# exit 3 with file:line; the Markdown as GitHub renders it (cmark-gfm); luacheck on the shipped templates.
source "$(dirname "$0")/lib.sh"

FORMATS_DATA="$DATA/report_formats"
TEMPLATES="$DATA/../../knowledge/templates"
# The shipped templates as an overlay on the mini knowledge base: goldens that do not move with the shipped knowledge.
mkdir -p "$TMP/shipped_templates"
ln -s "$(cd "$TEMPLATES" && pwd)" "$TMP/shipped_templates/templates"
MINI_T=("${MINI[@]}" --kb "$TMP/shipped_templates")
VERSION=$("$KBDIAG" --version | sed -E 's/^kbdiag //')

# escape_as FORMAT TEXT: TEXT as the export writes a value (engine/report/markup_escape.cpp), for normalising.
escape_as() {
  case $1 in
    markdown) sed -e 's/[][\\`*_<>|~&#@$]/\\&/g' <<<"$2" ;;
    html) sed -e 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g' -e "s/'/\&#39;/g" <<<"$2" ;;
  esac
}

# normalised FORMAT FILE: FILE with this checkout's data path and kbdiag's version as placeholders.
normalised() {
  local content data version
  IFS= read -r -d '' content <"$2" || true
  data=$(escape_as "$1" "$DATA")
  version=$(escape_as "$1" "kbdiag $VERSION")
  content=${content//"$data"/@DATA@}
  printf '%s' "${content//"$version"/kbdiag @VERSION@}"
}

# --- the shipped templates pass luacheck with the knowledge base's config (the sandbox's globals) ---------------
command -v luacheck >/dev/null 2>&1 || fail "luacheck not found: apt-get install lua-check (tools/scripts/setup.sh)"
(cd "$TEMPLATES/.." && luacheck --no-color --codes --config .luacheckrc templates) >"$TMP/luacheck.log" 2>&1 ||
  { cat "$TMP/luacheck.log" >&2; fail "luacheck found problems in knowledge/templates"; }

# --- goldens -------------------------------------------------------------------------------------------------
for format in markdown html; do
  golden="$FORMATS_DATA/golden.$([ "$format" = markdown ] && echo md || echo html)"
  run 0 "$KBDIAG" "${MINI_T[@]}" infer "$FORMATS_DATA/snapshot.yaml" --error 0x963 \
    --fact mini.lm_level=3 --format "$format"
  normalised "$format" "$TMP/out" >"$TMP/actual.$format"
  if [ -n "${KBDIAG_UPDATE_GOLDEN:-}" ]; then
    cp "$TMP/actual.$format" "$golden"
    echo "updated $golden"
  elif ! cmp -s "$TMP/actual.$format" "$golden"; then
    diff -u "$golden" "$TMP/actual.$format" | head -60 >&2 || true
    fail "--format $format differs from $golden (KBDIAG_UPDATE_GOLDEN=1 regenerates it; review the diff)"
  fi
  # The same run again gives the same bytes.
  cp "$TMP/out" "$TMP/first.$format"
  run 0 "$KBDIAG" "${MINI_T[@]}" infer "$FORMATS_DATA/snapshot.yaml" --error 0x963 \
    --fact mini.lm_level=3 --format "$format"
  cmp -s "$TMP/out" "$TMP/first.$format" || fail "two runs of --format $format differ"
done
# What the goldens must say, checked here too so that regenerating them cannot hide a loss.
has "$FORMATS_DATA/golden.md" '^\| 1 \| A saved credential holds the old password \| [0-9]+% \|'
has "$FORMATS_DATA/golden.md" '^1\. \*\*Delete the saved credential for the server\*\*'
has "$FORMATS_DATA/golden.md" 'Run `cmdkey /delete:SERVER` for every name of the server\.'
has "$FORMATS_DATA/golden.md" '^## Questions worth asking'
has "$FORMATS_DATA/golden.md" '^\| windows\.credman \| partial \| 41 ms \| 1 entry could not be read \|'
has "$FORMATS_DATA/golden.md" 'no\.such\.fact'
has "$FORMATS_DATA/golden.html" '<td>A saved credential holds the old password</td>'
has "$FORMATS_DATA/golden.html" '^<meta charset="utf-8">$'
# A collected fact no finding used but the knowledge marks in_report: listed (escaped) under "Also checked".
has "$FORMATS_DATA/golden.md" '^## Also checked'
has "$FORMATS_DATA/golden.md" '^\| mini\.os\\_release \| Windows 11 Pro 23H2 .*\| known \| host\.info \|'
has "$FORMATS_DATA/golden.html" '<h2>Also checked</h2>'
has "$FORMATS_DATA/golden.html" '<td>Windows 11 Pro 23H2 &lt;b&gt;&amp;</td>'

has_not "$FORMATS_DATA/golden.html" '<script|<link|<img|src=|href=|url\(|@import|://'

# --- the Markdown as GitHub renders it: cmark-gfm, GitHub's fork of cmark, with GitHub's extensions ---------------
command -v cmark-gfm >/dev/null 2>&1 || fail "cmark-gfm not found: apt-get install cmark-gfm (tools/scripts/setup.sh)"
gfm() {
  cmark-gfm --extension table --extension strikethrough --extension autolink --extension tagfilter --to html "$1"
}
gfm "$TMP/first.markdown" >"$TMP/gfm.html"
has_not "$TMP/gfm.html" 'raw HTML omitted'   # the export holds no raw HTML
has "$TMP/gfm.html" '^<h1>kbdiag diagnosis: Mini problem for the CLI tests \(0x00000963\)</h1>$'
[ "$(grep -c '^<table>$' "$TMP/gfm.html")" -eq 4 ] || fail "want 4 tables (causes, facts, also checked, collectors) in $TMP/gfm.html"
has "$TMP/gfm.html" '^<td>A saved credential holds the old password</td>$'
has "$TMP/gfm.html" '^<p><strong>Delete the saved credential for the server</strong>'
has "$TMP/gfm.html" '^<li>Run <code>cmdkey /delete:SERVER</code> for every name of the server\.</li>$'
has "$TMP/gfm.html" '^<td>windows\.credman</td>$'
has "$TMP/gfm.html" '<code>net use Z: \\\\SERVER\\SHARE /user:SERVER\\User \*</code>'   # a code span, backslashes whole

# --- -o writes atomically, like the other formats ----------------------------------------------------------------
mkdir -p "$TMP/out-dir"
run 0 "$KBDIAG" "${MINI_T[@]}" infer --error 0x963 --fact mini.lm_level=1 --format html -o "$TMP/out-dir/r.html"
[ ! -s "$TMP/out" ] || fail "-o should leave stdout empty"
has "$TMP/out-dir/r.html" '^<!DOCTYPE html>$'
[ "$(ls -A "$TMP/out-dir")" = "r.html" ] || fail "temp files left: $(ls -A "$TMP/out-dir")"

# --- hostile values ------------------------------------------------------------------------------------------
esc=$'\x1b'
script='<script>alert(1)</script>'
cat >"$TMP/hostile.yaml" <<YAML
schema: kbdiag-snapshot/1
host: {name: "$script\\e[2J\\e[31mALL CLEAR", platform: windows}
collectors:
  - {id: windows.credman, status: failed, duration_ms: 5, message: "$script \\e]0;owned\\a | # x"}
facts:
  mini.saved_credentials: {value: 1, source: windows.credman}
YAML
hostile_fact="host.name=$script${esc}[2J${esc}[31mALL CLEAR"
for format in markdown html; do
  for source in snapshot fact; do
    if [ "$source" = snapshot ]; then
      run 0 "$KBDIAG" "${MINI_T[@]}" infer "$TMP/hostile.yaml" --error 0x963 --format "$format"
    else
      run 0 "$KBDIAG" "${MINI_T[@]}" infer --error 0x963 --fact "$hostile_fact" --fact mini.lm_level=2 \
        --format "$format"
    fi
    has_not "$TMP/out" "$esc"
    has "$TMP/out" 'ALL CLEAR'
    if [ "$format" = html ]; then
      has_not "$TMP/out" '<script'
      has "$TMP/out" '&lt;script&gt;alert\(1\)&lt;/script&gt;\\x1b\[2J\\x1b\[31mALL CLEAR'
    else
      has_not "$TMP/out" '(^|[^\\])<'   # Markdown: every < has its backslash, so no HTML tag is live
      has "$TMP/out" '\\<script\\>alert\(1\)\\</script\\>\\\\x1b\\\[2J\\\\x1b\\\[31mALL CLEAR'
    fi
  done
done
# The collector message's OSC sequence and its BEL are visible too, and its pipe cannot split the table row: GitHub
# shows the whole message, as text, in one cell.
run 0 "$KBDIAG" "${MINI_T[@]}" infer "$TMP/hostile.yaml" --error 0x963 --format markdown
cell='\\<script\\>alert\(1\)\\</script\\> \\\\x1b\\\]0;owned\\\\x07 \\\| \\# x'
has "$TMP/out" "^\\| windows\\.credman \\| failed \\| 5 ms \\| $cell \\|\$"
gfm "$TMP/out" >"$TMP/gfm-hostile.html"
has "$TMP/gfm-hostile.html" '^<td>&lt;script&gt;alert\(1\)&lt;/script&gt; \\x1b\]0;owned\\x07 \| # x</td>$'
has "$TMP/gfm-hostile.html" '<h1>kbdiag diagnosis: '
has "$TMP/gfm-hostile.html" '&lt;script&gt;alert\(1\)&lt;/script&gt;\\x1b\[2J\\x1b\[31mALL CLEAR'
has_not "$TMP/gfm-hostile.html" '<script|raw HTML omitted'

# --- template resolution and errors ----------------------------------------------------------------------------
mkdir -p "$TMP/site/templates"
cat >"$TMP/site/templates/markdown.lua" <<'LUA'
return function(report, h)
  return "Site template: " .. report.problem.title .. " / " .. h.percent(report.causes[1].probability) .. "\n"
end
LUA
run 0 "$KBDIAG" "${MINI_T[@]}" --kb "$TMP/site" infer --error 0x963 --fact mini.lm_level=1 --format markdown
has "$TMP/out" '^Site template: Mini problem for the CLI tests \(0x00000963\) / [0-9]+%$'
# The overlay has no html.lua: the shipped one is used.
run 0 "$KBDIAG" "${MINI_T[@]}" --kb "$TMP/site" infer --error 0x963 --fact mini.lm_level=1 --format html
has "$TMP/out" '^<!DOCTYPE html>$'

# A template that does not compile, one that fails at run time, one that never ends: exit 3 with file:line.
printf 'return function(report, h)\n  local x = = 1\nend\n' >"$TMP/site/templates/markdown.lua"
run 3 "$KBDIAG" "${MINI_T[@]}" --kb "$TMP/site" infer --error 0x963 --fact mini.lm_level=1 --format markdown
has "$TMP/err" "site/templates/markdown.lua:2: error\[KB017\]: report template does not compile"
has "$TMP/err" "report template for --format markdown is unusable"
[ ! -s "$TMP/out" ] || fail "a failing template must print no report"
printf 'return function(report, h)\n  return report.no_such.field\nend\n' >"$TMP/site/templates/markdown.lua"
run 3 "$KBDIAG" "${MINI_T[@]}" --kb "$TMP/site" infer --error 0x963 --fact mini.lm_level=1 --format markdown
has "$TMP/err" "site/templates/markdown.lua:2: error\[KB017\]: report template failed: .*no_such"
printf 'return function(report, h)\n  while true do end\nend\n' >"$TMP/site/templates/markdown.lua"
run 3 "$KBDIAG" "${MINI_T[@]}" --kb "$TMP/site" infer --error 0x963 --fact mini.lm_level=1 --format markdown
has "$TMP/err" "site/templates/markdown.lua:2: error\[KB017\]: report template exceeded the instruction budget"
# A failing template never replaces an existing -o file.
echo "previous report" >"$TMP/out-dir/keep.md"
run 3 "$KBDIAG" "${MINI_T[@]}" --kb "$TMP/site" infer --error 0x963 --fact mini.lm_level=1 --format markdown \
  -o "$TMP/out-dir/keep.md"
[ "$(cat "$TMP/out-dir/keep.md")" = "previous report" ] || fail "a failing template changed the -o file"

# No template anywhere: the mini knowledge base alone has none.
run 3 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1 --format html
has "$TMP/err" "error\[KB017\]: no report template for format 'html'"
# An unknown format is a usage error.
run 2 "$KBDIAG" "${MINI_T[@]}" infer --error 0x963 --fact mini.lm_level=1 --format pdf

# --- the shipped knowledge: both exports render, and name the JSON report's top cause ---------------------------
run 0 "$KBDIAG" infer --error 0x963 --fact windows.build=22631 --fact windows.edition=Enterprise --format json
top=$(grep -m1 -E '^      "title": ' "$TMP/out" | sed -E 's/^      "title": "(.*)",?$/\1/')
[ -n "$top" ] || fail "no top cause in the JSON report"
for format in markdown html; do
  run 0 "$KBDIAG" infer --error 0x963 --fact windows.build=22631 --fact windows.edition=Enterprise --format "$format"
  grep -qF -- "$(escape_as "$format" "$top")" "$TMP/out" || fail "--format $format does not name the top cause '$top'"
done
# With no error known, infer triages across the problems: both exports show it.
run 0 "$KBDIAG" infer --fact windows.build=22631 --fact smb_client.guest_blocked=true --format markdown
has "$TMP/out" '^# kbdiag triage: no error code given$'
has "$TMP/out" '^## Where the evidence points$'
has "$TMP/out" '^\| 1 \| .* \| [0-9]+% \|'
run 0 "$KBDIAG" infer --fact windows.build=22631 --fact smb_client.guest_blocked=true --format html
has "$TMP/out" '<h2>Where the evidence points</h2>'
echo "ok"
