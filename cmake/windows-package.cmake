# The technician's package for Windows: a ZIP holding kbdiag.exe and knowledge/ side by side (plus README.md,
# LICENSE.txt and THIRD-PARTY-NOTICES.txt) (kbdiag finds
# <exe dir>/knowledge), to copy onto a PC or a USB stick and run without installing anything.
#
# Included at the end of project(kbdiag) through CMAKE_PROJECT_kbdiag_INCLUDE, which the MinGW toolchain file
# (cmake/toolchain-mingw64.cmake) sets, so the project's CMakeLists.txt need not know about it. The install
# rules are deferred to the end of the top-level directory, when the kbdiag target exists.
# `cpack -G ZIP` (or `cmake --workflow --preset windows`) writes build/windows/kbdiag-<version>-win64.zip.

function(_kbdiag_windows_package)
  if(NOT TARGET kbdiag)
    message(WARNING "windows-package.cmake: no kbdiag target; no package")
    return()
  endif()
  install(PROGRAMS $<TARGET_FILE:kbdiag> DESTINATION . COMPONENT windows_zip)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/knowledge/ DESTINATION knowledge COMPONENT windows_zip)
  install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION . COMPONENT windows_zip)
  # kbdiag's licence and the notices of what the static exe contains (Lua, yaml-cpp, fmt, CLI11, nlohmann-json,
  # winpthreads).
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION . RENAME LICENSE.txt COMPONENT windows_zip)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/THIRD-PARTY-NOTICES.txt DESTINATION . COMPONENT windows_zip)

  set(CPACK_GENERATOR ZIP)
  set(CPACK_PACKAGE_NAME kbdiag)
  set(CPACK_PACKAGE_VENDOR kbdiag)
  set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
  set(CPACK_SYSTEM_NAME win64)
  set(CPACK_PACKAGE_FILE_NAME kbdiag-${PROJECT_VERSION}-win64)
  set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY ON)   # the zip unpacks into one kbdiag-<version>-win64 folder
  set(CPACK_COMPONENT_INCLUDE_TOPLEVEL_DIRECTORY ON)   # the same, for component (archive) installs
  # Only the flat layout above, not the generic install rules (bin/, share/kbdiag/knowledge).
  set(CPACK_ARCHIVE_COMPONENT_INSTALL ON)
  set(CPACK_COMPONENTS_ALL windows_zip)
  set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
  set(CPACK_ARCHIVE_FILE_NAME kbdiag-${PROJECT_VERSION}-win64)
  include(CPack)
endfunction()

cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL _kbdiag_windows_package)
