# libkbdiag as a user gets it: `cmake --install` into a fresh prefix, then the example (bindings/c/example)
# built against the INSTALLED files only, once with pkg-config and once with find_package(kbdiag), run on a
# snapshot; its top cause must be `kbdiag infer --format json`'s, and the library must read the installed
# knowledge base. Also: the library exports the C API and nothing else.
#   install.sh BUILD_DIR SOURCE_DIR KBDIAG_BINARY CAPI_DATA_DIR
set -euo pipefail
BUILD=${1:?usage: $0 BUILD_DIR SOURCE_DIR KBDIAG_BINARY CAPI_DATA_DIR}
SRC=${2:?}
KBDIAG=${3:?}
DATA=${4:?}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-capi-install.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# Nothing from the environment may point the example at a knowledge base or at libraries.
unset KBDIAG_KNOWLEDGE LD_LIBRARY_PATH PKG_CONFIG_PATH CMAKE_PREFIX_PATH
export NO_COLOR=1 LC_ALL=C.UTF-8

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

PREFIX=$(realpath "$TMP")/prefix
cmake --install "$BUILD" --prefix "$PREFIX" >"$TMP/install.log" || { cat "$TMP/install.log" >&2; fail "cmake --install"; }

# The installed files.
PC=$(find "$PREFIX" -name kbdiag.pc)
[ -n "$PC" ] || fail "no kbdiag.pc installed"
LIBDIR=$(dirname "$(dirname "$PC")")
for f in "$PREFIX/include/kbdiag.h" "$LIBDIR/libkbdiag.so" "$LIBDIR/libkbdiag.so.0" \
         "$LIBDIR/cmake/kbdiag/kbdiagConfig.cmake" "$LIBDIR/cmake/kbdiag/kbdiagConfigVersion.cmake" \
         "$PREFIX/share/kbdiag/knowledge/problems"; do
  [ -e "$f" ] || fail "not installed: ${f#"$PREFIX"/}"
done
soname=$(objdump -p "$LIBDIR/libkbdiag.so" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = libkbdiag.so.0 ] || fail "SONAME is '$soname', expected libkbdiag.so.0"

# Only the API is exported: every defined dynamic symbol is kbdiag_* (plus the version node KBDIAG_0).
nm -D --defined-only "$LIBDIR/libkbdiag.so" | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$TMP/exported"
grep -q '^kbdiag_diagnose$' "$TMP/exported" || fail "kbdiag_diagnose is not exported"
if grep -v -e '^kbdiag_' -e '^KBDIAG_0$' "$TMP/exported" >"$TMP/extra"; then
  fail "symbols exported beyond the API: $(head -5 "$TMP/extra" | xargs)"
fi
grep -c . "$TMP/exported" | xargs echo "exported symbols:"

SNAPSHOT="$DATA/signing.json"
EXPECTED=$("$KBDIAG" infer --format json "$SNAPSHOT" | python3 -c 'import json, sys
print(json.load(sys.stdin)["summary"]["causes"][0]["id"])')
[ -n "$EXPECTED" ] || fail "kbdiag infer named no top cause"

# check_example BINARY: runs it on the snapshot; the installed knowledge base and infer's top cause.
check_example() {
  "$@" "$SNAPSHOT" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/out" "$TMP/err" >&2; fail "$1: exit $?"; }
  grep -qxF "kbdiag $("$KBDIAG" --version | grep -o '[0-9][0-9.]*' | head -1), knowledge: $PREFIX/share/kbdiag/knowledge" \
    "$TMP/out" || { cat "$TMP/out" >&2; fail "$1 did not read the installed knowledge base"; }
  grep -q "^1\. [0-9.]*  $EXPECTED  " "$TMP/out" || { cat "$TMP/out" >&2; fail "$1: top cause is not $EXPECTED"; }
  echo "ok: $1: $(grep '^1\. ' "$TMP/out")"
}

# 1. pkg-config, a plain C99 compile (the library is found at run time through LD_LIBRARY_PATH).
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
[ "$(pkg-config --modversion kbdiag)" = "$("$KBDIAG" --version | grep -o '[0-9][0-9.]*' | head -1)" ] ||
  fail "kbdiag.pc version differs from kbdiag's"
# shellcheck disable=SC2046  # word splitting of pkg-config's flags is wanted
cc -std=c99 -pedantic -Wall -Wextra -Werror "$SRC/bindings/c/example/diagnose.c" $(pkg-config --cflags --libs kbdiag) \
  -o "$TMP/diagnose-pc"
unset PKG_CONFIG_PATH
LD_LIBRARY_PATH="$LIBDIR" check_example "$TMP/diagnose-pc"

# 2. CMake: find_package(kbdiag) in the example's own project; the imported target carries the include path and
# the library (and CMake's build RPATH finds it at run time).
cmake -S "$SRC/bindings/c/example" -B "$TMP/example-build" -G Ninja -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" >"$TMP/cmake.log" 2>&1 || { cat "$TMP/cmake.log" >&2; fail "example: cmake"; }
cmake --build "$TMP/example-build" >>"$TMP/cmake.log" 2>&1 || { cat "$TMP/cmake.log" >&2; fail "example: build"; }
check_example "$TMP/example-build/diagnose"
ldd "$TMP/example-build/diagnose" >"$TMP/ldd.out"   # whole, then grep: no SIGPIPE for ldd under pipefail
grep -qF "$LIBDIR/libkbdiag.so.0" "$TMP/ldd.out" || fail "the CMake-built example does not use the installed library"
