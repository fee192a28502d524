#!/usr/bin/env bash
# Installs what kbdiag needs on Debian 12, builds it and runs every test (unit tests, knowledge-base lint and
# scenarios, CLI end-to-end tests, the Debian packages built and installed into an empty root: package.deb)
# through the "release" workflow preset, runs them again under ASan+UBSan ("asan" preset), fuzzes the probe's
# parsers and the loaders briefly ("fuzz" workflow preset, clang) and runs the Windows build's tests. This is what
# CI runs (.ci/run).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$here/tools/scripts/setup.sh" --no-run
cd "$here"
echo "==> cmake --workflow --preset release (configure, build, test)"
cmake --workflow --preset release
# The unit, CLI and Samba tests once more with everything built under ASan+UBSan (gcc, -O1; LeakSanitizer on,
# tests/asan/lsan.supp for leaks in Debian's libraries), a separate build tree (build/asan). Left out there:
# capi.valgrind (valgrind cannot run an ASan binary) and capi.install (a packaging test; CMakePresets.json says why).
echo "==> cmake --workflow --preset asan (the tests under ASan+UBSan)"
cmake --workflow --preset asan
# The probe's response parsers and the loaders (snapshots, knowledge files, conditions) under libFuzzer with
# ASan+UBSan: clang and the sanitizer runtimes (a Recommends of clang, so named here), a separate build tree
# (build/fuzz), 20 s per target from libFuzzer seed 1 (a replay of what was checked before landing; new ground
# is for tools/scripts/fuzz-explore.sh), two at a time (about two minutes).
source "$here/tools/scripts/install-packages.sh"
install_missing clang libclang-rt-dev
echo "==> cmake --workflow --preset fuzz (libFuzzer on the probe's parsers and the loaders)"
cmake --workflow --preset fuzz
bash "$here/tools/scripts/test-windows.sh"   # the Windows build: MinGW cross build, tests under Wine, the zip
