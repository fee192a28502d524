#!/usr/bin/env bash
# infer --format html opened in a real browser: headless Chromium (Debian's `chromium`) loads the page with the
# shipped knowledge and a hostile host name, and
#   - its DOM names the JSON report's top cause, shows the script tag as text and holds no <script> element;
#   - a screenshot is a 1200x2000 PNG with content (not a blank page);
#   - printing gives a PDF of at least one page.
# Set KBDIAG_HTML_ARTIFACTS=DIR to keep the page, the screenshot and the PDF for a look.
# Fails (never skips) when chromium is missing: tools/scripts/setup.sh installs it.
source "$(dirname "$0")/lib.sh"

command -v chromium >/dev/null 2>&1 || fail "chromium not found: apt-get install chromium (tools/scripts/setup.sh)"

hostile="<script>alert(1)</script>"$'\x1b[2J'"pc42"
facts=(--error 0x963 --fact windows.build=22631 --fact windows.edition=Enterprise --fact "host.name=$hostile")
run 0 "$KBDIAG" infer "${facts[@]}" --format json
top=$(grep -m1 -E '^      "title": ' "$TMP/out" | sed -E 's/^      "title": "(.*)",?$/\1/')
[ -n "$top" ] || fail "no top cause in the JSON report"
run 0 "$KBDIAG" infer "${facts[@]}" --format html -o "$TMP/report.html"

# One browser run per output; a fresh profile each time, nothing reaching the network.
browse() {
  local profile
  profile=$(mktemp -d "$TMP/profile.XXXXXX")
  timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --disable-extensions \
    --user-data-dir="$profile" "$@" "file://$TMP/report.html" 2>>"$TMP/chromium.log"
}

# The DOM as the browser built it: text where the report had values, and no script element anywhere.
browse --dump-dom >"$TMP/dom.html" || { tail -20 "$TMP/chromium.log" >&2; fail "chromium --dump-dom failed"; }
has "$TMP/dom.html" '<h1>kbdiag diagnosis: '
grep -qF -- "$(sed -e 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g' <<<"$top")" "$TMP/dom.html" ||
  fail "the page does not name the top cause '$top'"
has "$TMP/dom.html" '&lt;script&gt;alert\(1\)&lt;/script&gt;\\x1b\[2Jpc42'
has_not "$TMP/dom.html" '<script'

# A screenshot: a PNG of the window's size that is not a blank page.
browse --screenshot="$TMP/shot.png" --window-size=1200,2000 >/dev/null ||
  { tail -20 "$TMP/chromium.log" >&2; fail "chromium --screenshot failed"; }
[ -s "$TMP/shot.png" ] || fail "no screenshot written"
[ "$(head -c 8 "$TMP/shot.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "the screenshot is no PNG"
width=$((16#$(od -An -tx1 -j16 -N4 "$TMP/shot.png" | tr -d ' \n')))
height=$((16#$(od -An -tx1 -j20 -N4 "$TMP/shot.png" | tr -d ' \n')))
[ "$width" -eq 1200 ] && [ "$height" -eq 2000 ] || fail "screenshot is ${width}x${height}, want 1200x2000"
size=$(wc -c <"$TMP/shot.png")
# A blank 1200x2000 page compresses to a few kilobytes; a page of text, tables and bars to far more.
[ "$size" -gt 60000 ] || fail "the screenshot is only $size bytes: a blank or nearly empty page?"

# Printing: the print stylesheet gives a PDF of one page or more.
browse --no-pdf-header-footer --print-to-pdf="$TMP/report.pdf" >/dev/null ||
  { tail -20 "$TMP/chromium.log" >&2; fail "chromium --print-to-pdf failed"; }
[ "$(head -c 5 "$TMP/report.pdf")" = "%PDF-" ] || fail "no PDF printed"
pages=$(grep -a -o -E '/Type ?/Page([^s]|$)' "$TMP/report.pdf" | wc -l)
[ "$pages" -ge 1 ] || fail "the printed PDF has no page"

if [ -n "${KBDIAG_HTML_ARTIFACTS:-}" ]; then
  mkdir -p "$KBDIAG_HTML_ARTIFACTS"
  cp "$TMP/report.html" "$TMP/shot.png" "$TMP/report.pdf" "$TMP/dom.html" "$KBDIAG_HTML_ARTIFACTS/"
fi
echo "ok: screenshot ${width}x${height}, $size bytes; PDF of $pages page(s)"
