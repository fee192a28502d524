#!/usr/bin/env bash
# Installs what kbdiag needs on Debian 12, builds it (release preset) and, unless --no-run is given,
# runs `kbdiag collect && kbdiag infer` on this machine for the KB's first problem, 0x00000963 (the error is
# recorded by collect; set KBDIAG_ERROR to diagnose another one, e.g. KBDIAG_ERROR="mount error(13)").
#   bash tools/scripts/setup.sh            # install, build, diagnose this machine
#   bash tools/scripts/setup.sh --no-run   # install and build only
# Works as root (no sudo needed) or as a user with sudo.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
run_demo=1
[ "${1:-}" = "--no-run" ] && run_demo=0

packages=(cmake ninja-build pkg-config g++ liblua5.4-dev libyaml-cpp-dev libfmt-dev doctest-dev libcli11-dev
          nlohmann-json3-dev samba-common-bin
          samba smbclient libnss-wrapper    # tests/samba/run.sh: the server probe against real Samba
          python3-jsonschema python3-yaml lua-check)   # tests/schemas: kb.schemas, kb.luacheck

source "$here/tools/scripts/install-packages.sh"
install_missing "${packages[@]}"

echo "==> building (cmake --preset release)"
cd "$here"
cmake --preset release >/dev/null
cmake --build --preset release

if [ "$run_demo" -eq 1 ]; then
  kbdiag="$here/build/release/tools/kbdiag"
  error=${KBDIAG_ERROR:-0x00000963}
  echo "==> kbdiag collect --error '$error' && kbdiag infer"
  "$kbdiag" collect --error "$error" && "$kbdiag" infer
fi
