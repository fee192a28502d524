#!/usr/bin/env bash
# Installs what kbdiag needs on Debian 12, builds it and runs every test (unit tests, knowledge-base lint and
# scenarios, CLI end-to-end tests) through the "release" workflow preset. This is what CI runs (.ci/run).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$here/tools/scripts/setup.sh" --no-run
cd "$here"
echo "==> cmake --workflow --preset release (configure, build, test)"
cmake --workflow --preset release
bash "$here/tools/scripts/test-windows.sh"   # the Windows build: MinGW cross build, tests under Wine, the zip
