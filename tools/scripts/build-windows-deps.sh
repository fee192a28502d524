#!/usr/bin/env bash
# Builds kbdiag's dependencies for 64-bit Windows (MinGW-w64, posix threads, static) from Debian's SOURCE
# packages: lua5.4 yaml-cpp fmtlib doctest cli11 nlohmann-json3. Nothing is vendored in the repository.
#
#   bash tools/scripts/build-windows-deps.sh [WORK_DIR]     # default: <repo>/build/windows-deps
#
# Layout of WORK_DIR: apt/ (private apt lists and cache), src/ (unpacked sources, Debian patches applied),
# build/ (per-package build trees), prefix/ (the result: include/, lib/, lib/cmake/, lib/pkgconfig/lua5.4.pc).
# The system's apt configuration is never touched: apt reads only tools/scripts/debian-sources/*.sources
# and keeps its lists and downloads under WORK_DIR/apt. Idempotent: a package already installed into the
# prefix (a stamp file per package, keyed by the unpacked source folder) is not rebuilt.
# Needs: dpkg-dev (apt-get source), cmake, ninja-build, g++-mingw-w64-x86-64-posix.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=${1:-$here/build/windows-deps}
mkdir -p "$work"
work=$(cd "$work" && pwd)
apt_dir=$work/apt
src=$work/src
bld=$work/build
prefix=$work/prefix
toolchain=$here/cmake/toolchain-mingw64.cmake
jobs=${KBDIAG_JOBS:-2}
packages=(lua5.4 yaml-cpp fmtlib doctest cli11 nlohmann-json3)

for tool in x86_64-w64-mingw32-gcc-posix x86_64-w64-mingw32-g++-posix dpkg-source cmake ninja; do
  command -v "$tool" >/dev/null || { echo "build-windows-deps.sh: $tool not found" >&2; exit 1; }
done

mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$src" "$bld" "$prefix"
apt_opts=(
  -o Dir::Etc::sourcelist=/dev/null
  -o Dir::Etc::SourceParts="$here/tools/scripts/debian-sources"
  -o Dir::State::Lists="$apt_dir/lists"
  -o Dir::Cache="$apt_dir/cache"
  -o APT::Sandbox::User=root
  -q
)

# The unpacked source folder of a source package: the newest match of a glob (a security update changes
# the version, so no version is ever written down here).
src_dir() { ls -1d "$src"/$1 2>/dev/null | sort -V | tail -n1; }

globs=( "lua5.4-5.4*/" "yaml-cpp-*/" "fmtlib-*/" "doctest-*/" "cli11-*/" "nlohmann-json3-*/" )
need_fetch=()
for i in "${!packages[@]}"; do
  [ -n "$(src_dir "${globs[$i]}")" ] || need_fetch+=("${packages[$i]}")
done
if [ "${#need_fetch[@]}" -gt 0 ]; then
  echo "==> apt-get source ${need_fetch[*]} (private lists in $apt_dir)"
  t0=$(date +%s)
  if ! ls "$apt_dir/lists/"*Sources* >/dev/null 2>&1; then
    apt-get "${apt_opts[@]}" update >"$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log" >&2; exit 1; }
  fi
  (cd "$src" && apt-get "${apt_opts[@]}" source "${need_fetch[@]}" >"$work/apt-source.log" 2>&1) \
    || { cat "$work/apt-source.log" >&2; exit 1; }
  echo "    fetched and unpacked in $(( $(date +%s) - t0 )) s"
fi

# Configure, build and install one CMake project into the prefix, unless its stamp says it is done.
# $1 name, $2 source dir, then extra cmake arguments.
cmake_install() {
  local name=$1 dir=$2; shift 2
  local stamp="$prefix/.stamp-$name"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$dir $*" ]; then
    echo "==> $name: up to date ($(basename "$dir"))"
    return
  fi
  echo "==> $name: building $(basename "$dir")"
  local t0; t0=$(date +%s)
  rm -rf "$bld/$name"
  cmake -S "$dir" -B "$bld/$name" -G Ninja -Wno-dev \
    -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DKBDIAG_WIN_DEPS="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" -DBUILD_SHARED_LIBS=OFF \
    "$@" >"$bld/$name.configure.log" 2>&1 || { cat "$bld/$name.configure.log" >&2; exit 1; }
  cmake --build "$bld/$name" -j "$jobs" >"$bld/$name.build.log" 2>&1 || { tail -50 "$bld/$name.build.log" >&2; exit 1; }
  cmake --install "$bld/$name" >"$bld/$name.install.log" 2>&1 || { cat "$bld/$name.install.log" >&2; exit 1; }
  echo "$dir $*" >"$stamp"
  echo "    done in $(( $(date +%s) - t0 )) s"
}

t_all=$(date +%s)

# Lua: Debian builds it with libtool; a few lines of CMake over src/*.c (minus the lua/luac programs) do.
lua_src=$(src_dir "${globs[0]}")
lua_cmake=$bld/lua-cmake
mkdir -p "$lua_cmake"
cat >"$lua_cmake/CMakeLists.txt.new" <<EOF
cmake_minimum_required(VERSION 3.16)
project(lua C)
file(GLOB LUA_SOURCES "$lua_src/src/*.c")
list(FILTER LUA_SOURCES EXCLUDE REGEX "/(lua|luac)\\\\.c\$")
add_library(lua5.4 STATIC \${LUA_SOURCES})
target_compile_definitions(lua5.4 PRIVATE LUA_COMPAT_5_3)
install(TARGETS lua5.4 ARCHIVE DESTINATION lib)
install(FILES "$lua_src/src/lua.h" "$lua_src/src/luaconf.h" "$lua_src/src/lualib.h" "$lua_src/src/lauxlib.h"
              "$lua_src/src/lua.hpp" DESTINATION include/lua5.4)
EOF
cmp -s "$lua_cmake/CMakeLists.txt.new" "$lua_cmake/CMakeLists.txt" || mv "$lua_cmake/CMakeLists.txt.new" "$lua_cmake/CMakeLists.txt"
rm -f "$lua_cmake/CMakeLists.txt.new"
cmake_install lua "$lua_cmake" -DLUA_SRC_DIR="$lua_src"
# The project finds Lua through pkg-config (lua5.4); the toolchain points PKG_CONFIG_LIBDIR here.
mkdir -p "$prefix/lib/pkgconfig"
cat >"$prefix/lib/pkgconfig/lua5.4.pc" <<EOF
prefix=$prefix
includedir=\${prefix}/include/lua5.4
libdir=\${prefix}/lib
Name: Lua
Description: Lua 5.4 (static, MinGW-w64, from Debian's $(basename "$lua_src") sources)
Version: $(basename "$lua_src" | sed 's/^lua5\.4-//')
Cflags: -I\${includedir}
Libs: -L\${libdir} -llua5.4
EOF

cmake_install fmt "$(src_dir "${globs[2]}")" -DFMT_TEST=OFF -DFMT_DOC=OFF -DFMT_INSTALL=ON
cmake_install yaml-cpp "$(src_dir "${globs[1]}")" -DYAML_CPP_BUILD_TESTS=OFF -DYAML_CPP_BUILD_TOOLS=OFF \
  -DYAML_CPP_BUILD_CONTRIB=OFF -DYAML_BUILD_SHARED_LIBS=OFF -DYAML_CPP_INSTALL=ON
cmake_install doctest "$(src_dir "${globs[3]}")" -DDOCTEST_WITH_TESTS=OFF -DDOCTEST_WITH_MAIN_IN_STATIC_LIB=OFF
cmake_install cli11 "$(src_dir "${globs[4]}")" -DCLI11_BUILD_TESTS=OFF -DCLI11_BUILD_EXAMPLES=OFF \
  -DCLI11_BUILD_DOCS=OFF -DCLI11_PRECOMPILED=OFF -DCLI11_SINGLE_FILE=OFF
cmake_install nlohmann_json "$(src_dir "${globs[5]}")" -DJSON_BuildTests=OFF -DJSON_Install=ON

echo "==> Windows dependencies ready in $prefix ($(( $(date +%s) - t_all )) s of building)"
