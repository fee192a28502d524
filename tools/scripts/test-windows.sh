#!/usr/bin/env bash
# Builds kbdiag.exe (MinGW-w64 cross build, dependencies from Debian's source packages) and runs the Windows
# build's tests under Wine through ctest, then packages the ZIP (kbdiag.exe + knowledge/).
#
#   bash tools/scripts/test-windows.sh [DIR]
#
# Without DIR: the `windows` preset's places, <repo>/build/windows (build) and <repo>/build/windows-deps
# (dependencies). With DIR: DIR/windows and DIR/windows-deps. Every run uses a fresh Wine prefix inside the
# build tree (<build>/wine-prefix). The Samba probe step needs the native build: $KBDIAG_NATIVE, else
# <repo>/build/release/tools/kbdiag (tools/scripts/test.sh builds it before calling this). Installs what is missing with apt-get (root or sudo):
# g++-mingw-w64-x86-64-posix mingw-w64-tools wine wine64 dpkg-dev cmake ninja-build samba smbclient libnss-wrapper.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ $# -ge 1 ]; then
  mkdir -p "$1"
  base=$(cd "$1" && pwd)
else
  base=$here/build
fi
app=$base/windows
deps=$base/windows-deps
prefix=$app/wine-prefix
t_start=$(date +%s)
secs() { echo $(( $(date +%s) - $1 )); }

packages=(g++-mingw-w64-x86-64-posix mingw-w64-tools wine wine64 dpkg-dev cmake ninja-build samba smbclient libnss-wrapper
          python3-jsonschema python3-yaml)   # e2e.sh, samba/run.sh: snapshots and reports against schemas/
source "$here/tools/scripts/install-packages.sh"
install_missing "${packages[@]}"

t=$(date +%s)
bash "$here/tools/scripts/build-windows-deps.sh" "$deps"
echo "==> dependencies: $(secs "$t") s"

# A fresh Wine prefix, headless, and a persistent wineserver with Wine's services started on /dev/null
# (they inherit the first process's stdout/stderr; ctest would wait for them). cmake/wine-run.sh, the
# build's CMAKE_CROSSCOMPILING_EMULATOR, uses this prefix and this server.
export WINEPREFIX=$prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
stop_wine() { WINEPREFIX=$prefix wineserver -k >/dev/null 2>&1 || true; }
trap stop_wine EXIT
t=$(date +%s)
stop_wine
rm -rf "$prefix" "$prefix.lock"
mkdir -p "$app"
wineboot --init </dev/null >/dev/null 2>&1
wineserver -w </dev/null >/dev/null 2>&1
touch "$prefix/.kbdiag-ready"
wineserver -p </dev/null >/dev/null 2>&1
wine wineboot </dev/null >/dev/null 2>&1
echo "==> fresh Wine prefix $prefix and a persistent wineserver: $(secs "$t") s"

cd "$here"
t=$(date +%s)
cmake --preset windows -B "$app" -DKBDIAG_WIN_DEPS="$deps/prefix" >"$app.configure.log" 2>&1 \
  || { cat "$app.configure.log" >&2; exit 1; }
cmake --build "$app" -j "${KBDIAG_JOBS:-2}"
echo "==> kbdiag.exe and the unit tests built (test discovery ran under Wine): $(secs "$t") s"

t=$(date +%s)
# The `windows` test preset's selection: everything but the bash-driven CLI and Samba tests (native only).
ctest --test-dir "$app" -E '^(cli|samba)\.' --output-on-failure --timeout 300
echo "==> ctest under Wine: $(secs "$t") s"

if [ -x "$here/tests/windows/e2e.sh" ] || [ -f "$here/tests/windows/e2e.sh" ]; then
  t=$(date +%s)
  bash "$here/tests/windows/e2e.sh" "$app"
  echo "==> end-to-end under Wine: $(secs "$t") s"
fi

# The Windows build's server probe against the same real Samba servers as the native one, over Winsock
# under Wine, in this build's Wine prefix: tests/samba/run.sh with kbdiag.exe as its second binary. It needs
# the native build (tools/scripts/test.sh builds it first; elsewhere set KBDIAG_NATIVE).
native=${KBDIAG_NATIVE:-$here/build/release/tools/kbdiag}
[ -x "$native" ] || { echo "no native kbdiag at $native: build the release preset first, or set KBDIAG_NATIVE" >&2; exit 1; }
t=$(date +%s)
bash "$here/tests/samba/run.sh" "$native" "$here/cmake/wine-run.sh" "$prefix" "$app/tools/kbdiag.exe"
echo "==> real Samba servers probed by the native build and by kbdiag.exe under Wine: $(secs "$t") s"

t=$(date +%s)
(cd "$app" && cpack -G ZIP >/dev/null)
zip=$(ls -1 "$app"/kbdiag-*-win64.zip | tail -n1)
# The package as a technician gets it: one folder with kbdiag.exe and knowledge/, which the exe finds by itself.
rm -rf "$app/package-test"
mkdir -p "$app/package-test"
python3 - "$zip" "$app/package-test" <<'EOF2'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
top = names[0].split('/')[0]
need = [f"{top}/kbdiag.exe", f"{top}/knowledge/facts/collected.yaml", f"{top}/LICENSE.txt",
        f"{top}/THIRD-PARTY-NOTICES.txt"]
missing = [n for n in need if n not in names]
if missing or any(not n.startswith(top + "/") for n in names):
    sys.exit(f"package {sys.argv[1]}: not one folder with kbdiag.exe and knowledge/ ({missing})")
z.extractall(sys.argv[2])
print(f"==> package {sys.argv[1]}: {len(names)} entries in {top}/ (kbdiag.exe, knowledge/)")
EOF2
pkg_exe=$(ls -1 "$app"/package-test/*/kbdiag.exe)
(cd "$(dirname "$pkg_exe")" && env -u KBDIAG_KNOWLEDGE wine kbdiag.exe kb lint --strict </dev/null >"$app/package-test/lint.log" 2>&1) \
  || { cat "$app/package-test/lint.log" >&2; echo "the packaged kbdiag.exe cannot lint its knowledge" >&2; exit 1; }
grep -q 'package-test.*knowledge' "$app/package-test/lint.log" \
  || { cat "$app/package-test/lint.log" >&2; echo "the packaged kbdiag.exe did not use its own knowledge/" >&2; exit 1; }
echo "==> packaged kbdiag.exe lints its own knowledge/ under Wine: $(secs "$t") s"
echo "==> Windows build and tests passed in $(secs "$t_start") s"
