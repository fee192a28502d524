#!/usr/bin/env bash
# The Debian packages, end to end: cpack -G DEB from this build tree, the contents of each .deb (dpkg -c),
# an install of all four into an empty root with `dpkg --root` (dpkg unpacks, checks that no two packages ship the
# same file and records them; nothing of the host is touched), then the installed kbdiag run from that root
# (`collect && infer`, kb lint) with its knowledge found relative to itself, its man page rendered and its bash
# completion used. Why an empty root and not a chroot: a chroot needs a Debian base system (debootstrap, network)
# that CI does not have; the installed binaries run with the host's shared libraries, which are the ones the
# packages depend on (checked: every Depends is installed on this Debian host).
#   bash deb_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: $0 BUILD_DIR SOURCE_DIR}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-deb.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
has() { grep -Eq -- "$2" "$1" || { echo "--- $1:" >&2; head -c 3000 "$1" >&2; fail "'$2' not found in $1"; }; }
export LC_ALL=C.UTF-8 NO_COLOR=1
unset KBDIAG_KNOWLEDGE

t0=$(date +%s)
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$TMP/debs" >"$TMP/cpack.log" 2>&1 \
  || { cat "$TMP/cpack.log" >&2; fail "cpack -G DEB"; }
echo "cpack: $(( $(date +%s) - t0 )) s"
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
deb() { echo "$TMP/debs/$1_${version}_$2.deb"; }
arch=$(dpkg --print-architecture)
for d in "$(deb kbdiag "$arch")" "$(deb kbdiag-data all)" "$(deb libkbdiag0 "$arch")" "$(deb libkbdiag-dev "$arch")"; do
  [ -f "$d" ] || { ls -l "$TMP/debs" >&2; fail "missing $d"; }
  echo "$(basename "$d"): $(stat -c %s "$d") bytes, Installed-Size $(dpkg-deb -f "$d" Installed-Size) KiB"
done

# Contents (dpkg -c): each package holds what it should and its copyright file.
contents() { dpkg-deb -c "$(deb "$1" "$2")" | awk '{print $6}' | sed 's|^\./|/|' >"$TMP/$1.list"; }
contents kbdiag "$arch"; contents kbdiag-data all; contents libkbdiag0 "$arch"; contents libkbdiag-dev "$arch"
for f in /usr/bin/kbdiag /usr/share/man/man1/kbdiag.1.gz /usr/share/bash-completion/completions/kbdiag \
         /usr/share/zsh/vendor-completions/_kbdiag /usr/share/doc/kbdiag/copyright; do
  grep -qx -- "$f" "$TMP/kbdiag.list" || fail "kbdiag.deb lacks $f"
done
grep -qx "/usr/share/kbdiag/knowledge/README.md" "$TMP/kbdiag-data.list" || fail "kbdiag-data.deb lacks the knowledge"
grep -qx "/usr/share/doc/kbdiag-data/copyright" "$TMP/kbdiag-data.list" || fail "kbdiag-data.deb lacks copyright"
grep -Eqx "/usr/lib/(.*/)?libkbdiag\.so\.0" "$TMP/libkbdiag0.list" || fail "libkbdiag0.deb lacks libkbdiag.so.0"
grep -Eq "/usr/lib/(.*/)?libkbdiag\.so$" "$TMP/libkbdiag0.list" && fail "libkbdiag0.deb ships the -dev link"
for f in /usr/include/kbdiag.h /usr/share/doc/libkbdiag-dev/copyright; do
  grep -qx -- "$f" "$TMP/libkbdiag-dev.list" || fail "libkbdiag-dev.deb lacks $f"
done
grep -Eq "/pkgconfig/kbdiag\.pc$" "$TMP/libkbdiag-dev.list" || fail "libkbdiag-dev.deb lacks kbdiag.pc"
grep -Eq "/cmake/kbdiag/kbdiagConfig\.cmake$" "$TMP/libkbdiag-dev.list" || fail "libkbdiag-dev.deb lacks the CMake package"
grep -q "/usr/bin/kbdiag" "$TMP/libkbdiag0.list" && fail "libkbdiag0.deb ships the CLI"

# Dependencies: the CLI and the library name the shared libraries they link (dpkg-shlibdeps) and their data;
# every one is installed here, so running from the root below uses exactly what the packages ask for.
dpkg-deb -f "$(deb kbdiag "$arch")" Depends >"$TMP/depends"
has "$TMP/depends" "kbdiag-data \(= $version\)"
has "$TMP/depends" "liblua5\.4-0"
has "$TMP/depends" "libyaml-cpp"
dpkg-deb -f "$(deb libkbdiag-dev "$arch")" Depends | grep -q "libkbdiag0 (= $version)" || fail "-dev must depend on libkbdiag0"
for p in $(sed -e 's/([^)]*)//g' -e 's/|[^,]*//g' -e 's/,/ /g' "$TMP/depends"); do
  [ "$p" = kbdiag-data ] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || fail "dependency $p is not installed"
done

# An empty root with a dpkg database; --force-depends: the root holds no libc (see above).
root="$TMP/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(fakeroot)
"${as_root[@]}" dpkg --root="$root" --log=/dev/null --force-depends --force-not-root --force-script-chrootless \
  -i "$TMP"/debs/*.deb >"$TMP/dpkg.log" 2>&1 || { cat "$TMP/dpkg.log" >&2; fail "dpkg --root -i"; }
dpkg --root="$root" -l | grep -E "^ii" >"$TMP/installed"
for p in kbdiag kbdiag-data libkbdiag0 libkbdiag-dev; do has "$TMP/installed" "^ii +$p(:$arch)? +$version"; done

# The installed binary: stripped, and its knowledge is the root's (a planted error there shows it).
kbdiag="$root/usr/bin/kbdiag"
if readelf -S "$kbdiag" | grep -Eq '\.(debug_info|symtab)'; then fail "/usr/bin/kbdiag is not stripped"; fi
echo "installed /usr/bin/kbdiag: $(stat -c %s "$kbdiag") bytes (build tree: $(stat -c %s "$build/tools/kbdiag"))"
export XDG_CACHE_HOME="$TMP/cache" KBDIAG_SNAPSHOT="$TMP/snapshot.yaml"
(cd "$TMP" && "$kbdiag" collect && "$kbdiag" infer) >"$TMP/infer.out" 2>"$TMP/infer.err" \
  || { cat "$TMP/infer.err" >&2; fail "kbdiag collect && kbdiag infer from the installed root"; }
[ -s "$TMP/infer.out" ] || fail "kbdiag infer printed nothing"
"$kbdiag" kb show 0x963 >"$TMP/show.out"
has "$TMP/show.out" "$root/usr/share/kbdiag/knowledge/problems/"
"$kbdiag" --no-cache kb lint --strict >/dev/null || fail "kb lint --strict on the installed knowledge"

# The library packages: a shlibs file, and the example built against the root's -dev files only (pkg-config),
# run with the root's libkbdiag.so.0, reads the root's knowledge.
dpkg-deb --ctrl-tarfile "$(deb libkbdiag0 "$arch")" | tar -xO ./shlibs >"$TMP/shlibs" || fail "libkbdiag0 has no shlibs"
has "$TMP/shlibs" "^libkbdiag 0 libkbdiag0"
pc=$(find "$root/usr/lib" -name kbdiag.pc)
# shellcheck disable=SC2046  # word splitting of pkg-config's flags is wanted
cc -std=c99 "$source_dir/bindings/c/example/diagnose.c" $(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs kbdiag) \
  -o "$TMP/diagnose" || fail "the example does not build against libkbdiag-dev"
LD_LIBRARY_PATH=$(dirname "$(dirname "$pc")") "$TMP/diagnose" "$source_dir/tests/capi/data/signing.json" >"$TMP/diagnose.out" \
  || { cat "$TMP/diagnose.out" >&2; fail "the example against libkbdiag0"; }
has "$TMP/diagnose.out" "knowledge: $root/usr/share/kbdiag/knowledge$"
has "$TMP/diagnose.out" "^1\. "

# The man page: renders without warnings (as lintian checks it) and covers every subcommand.
man_page="$root/usr/share/man/man1/kbdiag.1.gz"
MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$man_page" >/dev/null 2>"$TMP/man.err"
[ ! -s "$TMP/man.err" ] || { cat "$TMP/man.err" >&2; fail "man page warnings"; }
MANWIDTH=100 man -l "$man_page" 2>/dev/null | col -b >"$TMP/man.txt"
for sub in collect infer consult batch "kb lint" "kb test" "kb facts" "kb show" "kb docs"; do
  has "$TMP/man.txt" "^   kbdiag $sub$"
done
has "$TMP/man.txt" "--error CODE"
has "$TMP/man.txt" "^EXIT CODES|^ +3 +knowledge base unusable"

# The installed completions, used as a shell would (kbdiag from the root's PATH).
# (test_completion.sh takes a folder with kbdiag.bash and _kbdiag, as in packaging/completions.)
mkdir -p "$TMP/completions"
cp "$root/usr/share/bash-completion/completions/kbdiag" "$TMP/completions/kbdiag.bash"
cp "$root/usr/share/zsh/vendor-completions/_kbdiag" "$TMP/completions/_kbdiag"
bash "$source_dir/tests/cli/test_completion.sh" "$kbdiag" "$source_dir/tests/data" "$TMP/completions" \
  || fail "the installed completions"
echo "deb install: ok"
