#!/usr/bin/env bash
# Installs what kbdiag needs on Debian 12, builds it (release preset) and, unless --no-run is given,
# runs `kbdiag collect && kbdiag infer` on this machine: with no error given, a triage of the whole error family
# on this machine's facts (set KBDIAG_ERROR to record the error the user saw, e.g. KBDIAG_ERROR=0x00000963 or
# KBDIAG_ERROR="mount error(13)", for a ranked diagnosis of that error).
#   bash tools/scripts/setup.sh            # install, build, diagnose this machine
#   bash tools/scripts/setup.sh --no-run   # install and build only
# Works as root (no sudo needed) or as a user with sudo.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
run_demo=1
[ "${1:-}" = "--no-run" ] && run_demo=0

packages=(cmake ninja-build pkg-config g++ liblua5.4-dev libyaml-cpp-dev libfmt-dev doctest-dev libcli11-dev
          nlohmann-json3-dev samba-common-bin
          help2man dpkg-dev man-db zsh    # Debian package: kbdiag(1), dpkg-shlibdeps, the man page check; zsh completion test
          samba smbclient libnss-wrapper    # tests/samba/run.sh: the server probe against real Samba
          python3-jsonschema python3-yaml lua-check    # tests/schemas: kb.schemas, kb.luacheck
          chromium cmark-gfm)   # report exports: the HTML in headless Chromium, the Markdown through GitHub's cmark-gfm

source "$here/tools/scripts/install-packages.sh"
install_missing "${packages[@]}"

echo "==> building (cmake --preset release)"
cd "$here"
cmake --preset release >/dev/null
cmake --build --preset release

if [ "$run_demo" -eq 1 ]; then
  kbdiag="$here/build/release/tools/kbdiag"
  if [ -n "${KBDIAG_ERROR:-}" ]; then
    echo "==> kbdiag collect --error '$KBDIAG_ERROR' && kbdiag infer"
    "$kbdiag" collect --error "$KBDIAG_ERROR" && "$kbdiag" infer
  else
    echo "==> kbdiag collect && kbdiag infer"
    "$kbdiag" collect && "$kbdiag" infer
  fi
fi
