#!/usr/bin/env bash
# Installs what kbdiag needs on Debian 12, builds it (release preset) and, unless --no-run is given,
# runs `kbdiag collect && kbdiag infer` on this machine.
#   bash tools/scripts/setup.sh            # install, build, diagnose this machine
#   bash tools/scripts/setup.sh --no-run   # install and build only
# Works as root (no sudo needed) or as a user with sudo.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
run_demo=1
[ "${1:-}" = "--no-run" ] && run_demo=0

packages=(cmake ninja-build pkg-config g++ liblua5.4-dev libyaml-cpp-dev libfmt-dev doctest-dev libcli11-dev
          nlohmann-json3-dev samba-common-bin
          samba smbclient libnss-wrapper)   # tests/samba/run.sh: the server probe against real Samba

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "setup.sh: need root (or sudo) to install packages: ${packages[*]}" >&2
    exit 1
  fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "==> all packages present"
fi

echo "==> building (cmake --preset release)"
cd "$here"
cmake --preset release >/dev/null
cmake --build --preset release

if [ "$run_demo" -eq 1 ]; then
  kbdiag="$here/build/release/tools/kbdiag"
  echo "==> kbdiag collect && kbdiag infer"
  "$kbdiag" collect && "$kbdiag" infer
fi
