# Cross-compiling kbdiag for 64-bit Windows on Debian with MinGW-w64 (the posix thread variant).
#
# The -posix compilers are named explicitly: installing the -win32 variant flips the unsuffixed
# x86_64-w64-mingw32-g++ alternative, and the win32 thread model has no std::thread / std::mutex.
# Dependencies come from a prefix built by tools/scripts/build-windows-deps.sh; pass it as
# -DKBDIAG_WIN_DEPS=<prefix> (the `windows` preset does). Tests run through Wine.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(_kbdiag_triple x86_64-w64-mingw32)
set(CMAKE_C_COMPILER   ${_kbdiag_triple}-gcc-posix)
set(CMAKE_CXX_COMPILER ${_kbdiag_triple}-g++-posix)
set(CMAKE_RC_COMPILER  ${_kbdiag_triple}-windres)
set(CMAKE_AR           /usr/bin/${_kbdiag_triple}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB       /usr/bin/${_kbdiag_triple}-ranlib CACHE FILEPATH "")

# The dependency prefix: from the cache, else the environment, else the default place next to the sources.
if(NOT KBDIAG_WIN_DEPS)
  if(DEFINED ENV{KBDIAG_WIN_DEPS})
    set(KBDIAG_WIN_DEPS "$ENV{KBDIAG_WIN_DEPS}")
  else()
    get_filename_component(KBDIAG_WIN_DEPS "${CMAKE_CURRENT_LIST_DIR}/../build/windows-deps/prefix" ABSOLUTE)
  endif()
endif()
set(KBDIAG_WIN_DEPS "${KBDIAG_WIN_DEPS}" CACHE PATH "Prefix holding the static Windows builds of the dependencies")
# try_compile projects re-read this file: hand them the prefix.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES KBDIAG_WIN_DEPS)

# Look for libraries and headers ONLY in the MinGW sysroot and the dependency prefix; programs on the host.
set(CMAKE_FIND_ROOT_PATH /usr/${_kbdiag_triple} "${KBDIAG_WIN_DEPS}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_PREFIX_PATH "${KBDIAG_WIN_DEPS}")

# pkg-config (lua5.4) must see only the prefix, never the host's .pc files.
set(ENV{PKG_CONFIG_LIBDIR} "${KBDIAG_WIN_DEPS}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# -Wno-restrict: MinGW's GCC 12 reports a false -Wrestrict inside
# libstdc++'s char_traits.h for std::string operations (GCC bug 105329), which -Werror would turn into a
# build failure.
set(CMAKE_CXX_FLAGS_INIT "-Wno-restrict")

# A static exe that imports only system DLLs (no libstdc++-6.dll / libwinpthread-1.dll to ship).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

# ctest (and doctest's test discovery) run the Windows executables through Wine, via cmake/wine-run.sh:
# headless, WINEDEBUG=-all, in the Wine prefix <build dir>/wine-prefix (or $KBDIAG_WINEPREFIX), with a
# persistent wineserver started the way that keeps ctest from waiting on Wine's background services.
find_program(KBDIAG_WINE NAMES wine PATHS /usr/bin NO_CMAKE_FIND_ROOT_PATH)
if(KBDIAG_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_CURRENT_LIST_DIR}/wine-run.sh;${CMAKE_BINARY_DIR}/wine-prefix")
endif()

# The ZIP package (kbdiag.exe + knowledge/), added to the kbdiag project only.
set(CMAKE_PROJECT_kbdiag_INCLUDE "${CMAKE_CURRENT_LIST_DIR}/windows-package.cmake")

# System import libraries, linked after everything else: CMake's Windows-GNU defaults plus netapi32 (NetUseEnum,
# NetGetJoinInformation) and ws2_32 (Winsock). Cached here because the platform module would set the default
# list after this file (a _INIT variable set here is overwritten).
set(CMAKE_CXX_STANDARD_LIBRARIES
    "-lnetapi32 -lws2_32 -lkernel32 -luser32 -lgdi32 -lwinspool -lshell32 -lole32 -loleaut32 -luuid -lcomdlg32 -ladvapi32"
    CACHE STRING "Libraries linked into every C++ executable")
