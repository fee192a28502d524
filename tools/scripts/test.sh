#!/usr/bin/env bash
# Installs what kbdiag needs on Debian 12, builds it and runs every test (unit tests, knowledge-base lint and
# scenarios, CLI end-to-end tests) through the "release" workflow preset, fuzzes the probe's parsers briefly
# ("fuzz" workflow preset, clang) and runs the Windows build's tests. This is what CI runs (.ci/run).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$here/tools/scripts/setup.sh" --no-run
cd "$here"
echo "==> cmake --workflow --preset release (configure, build, test)"
cmake --workflow --preset release
# The probe's response parsers under libFuzzer with ASan+UBSan: clang and the sanitizer runtimes (a Recommends of
# clang, so named here), a separate build tree (build/fuzz), 20 s per target, two at a time (about a minute).
source "$here/tools/scripts/install-packages.sh"
install_missing clang libclang-rt-dev
echo "==> cmake --workflow --preset fuzz (libFuzzer on the probe's parsers)"
cmake --workflow --preset fuzz
bash "$here/tools/scripts/test-windows.sh"   # the Windows build: MinGW cross build, tests under Wine, the zip
