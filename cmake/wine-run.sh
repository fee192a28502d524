#!/bin/sh
# The CMAKE_CROSSCOMPILING_EMULATOR of the Windows build: runs a Windows program under Wine, headless,
# in the build tree's own Wine prefix.   wine-run.sh PREFIX PROGRAM.exe [ARGS...]
# $KBDIAG_WINEPREFIX overrides PREFIX. The first call creates the prefix (~10 s). Every call makes sure a
# wineserver runs with persistence, started with its stdio on /dev/null: Wine's background services inherit
# the first process's stdout/stderr, so without this, ctest and doctest's test discovery (which capture a
# test's output) wait for them seconds per test, or forever. tools/scripts/test-windows.sh stops the server
# (`wineserver -k`) when done; otherwise it exits by itself 60 s after its last client.
set -e
prefix=${KBDIAG_WINEPREFIX:-$1}
shift
export WINEPREFIX="$prefix"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"   # no Mono / Gecko install prompts
unset DISPLAY WAYLAND_DISPLAY
if [ ! -f "$prefix/system.reg" ] || [ ! -f "$prefix/.kbdiag-ready" ]; then
  mkdir -p "$prefix"
  (
    flock 9
    if [ ! -f "$prefix/.kbdiag-ready" ]; then
      wineboot --init </dev/null >/dev/null 2>&1 || true
      wineserver -w </dev/null >/dev/null 2>&1 || true
      touch "$prefix/.kbdiag-ready"
    fi
  ) 9>"$prefix.lock"
fi
# Starts a persistent server unless one already runs for this prefix (then it exits with 2 at once), and
# with a new server Wine's services through wineboot, both on /dev/null, so no test's output pipe is ever
# inherited by them.
if wineserver -p60 </dev/null >/dev/null 2>&1; then
  wine wineboot </dev/null >/dev/null 2>&1 || true
fi
exec wine "$@"
