# The Debian packages (native builds; the Windows build packages its ZIP in cmake/windows-package.cmake):
#   kbdiag        the CLI (stripped), kbdiag(1), bash and zsh completions        section admin
#   kbdiag-data   the shipped knowledge base, /usr/share/kbdiag/knowledge (arch all; read by the CLI and libkbdiag)
#   libkbdiag0    the C API's shared library (SONAME libkbdiag.so.0)             section libs
#   libkbdiag-dev kbdiag.h, libkbdiag.so, kbdiag.pc, the CMake package           section libdevel
# each with /usr/share/doc/<package>/copyright (machine-readable: kbdiag's MIT licence and the notices of the
# code compiled in). `cpack -G DEB` in the build tree, or `cmake --workflow --preset package`, writes
# kbdiag_<version>_amd64.deb and the others; tests/package/deb_install.sh installs them into an empty root.
include(GNUInstallDirs)

# kbdiag(1) from the program's own help (packaging/manpage.sh, help2man), rebuilt when the binary changes.
find_program(KBDIAG_HELP2MAN help2man)
if(NOT KBDIAG_HELP2MAN)
  message(FATAL_ERROR "help2man not found: it writes kbdiag(1) for the Debian package. Install the Debian package "
                      "help2man (tools/scripts/setup.sh does) or configure with -DKBDIAG_DEB_PACKAGE=OFF.")
endif()
set(kbdiag_manpage ${PROJECT_BINARY_DIR}/packaging/kbdiag.1.gz)
add_custom_command(OUTPUT ${kbdiag_manpage}
  COMMAND bash ${PROJECT_SOURCE_DIR}/packaging/manpage.sh $<TARGET_FILE:kbdiag> ${kbdiag_manpage}
  DEPENDS kbdiag ${PROJECT_SOURCE_DIR}/packaging/manpage.sh
  COMMENT "kbdiag(1) from kbdiag --help (help2man)" VERBATIM)
add_custom_target(kbdiag_manpage ALL DEPENDS ${kbdiag_manpage})

install(FILES ${kbdiag_manpage} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT cli)
install(FILES packaging/completions/kbdiag.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME kbdiag COMPONENT cli)
install(FILES packaging/completions/_kbdiag DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions
        COMPONENT cli)
foreach(component_package cli:kbdiag data:kbdiag-data lib:libkbdiag0 dev:libkbdiag-dev)
  string(REPLACE ":" ";" pair ${component_package})
  list(GET pair 0 component)
  list(GET pair 1 package)
  install(FILES packaging/copyright DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kbdiag)
set(CPACK_PACKAGE_VENDOR kbdiag)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "kbdiag maintainers <kbdiag@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)   # the binaries are built with -g (RelWithDebInfo): 112 MB unstripped
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL cli data lib dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)   # <package>_<version>_<arch>.deb
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)    # Depends from dpkg-shlibdeps (liblua5.4-0, libyaml-cpp0.7, libfmt9, ...)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://localhost/kbdiag")

set(CPACK_DEBIAN_CLI_PACKAGE_NAME kbdiag)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_CLI_PACKAGE_DEPENDS "kbdiag-data (= ${PROJECT_VERSION})")
set(CPACK_COMPONENT_CLI_DESCRIPTION "ranked, explained diagnosis of share-access errors
 kbdiag collects facts about this machine and ranks the causes of a Windows or Linux share-access error
 (0x00000963 and its family, mount.cifs errors) with the evidence for each and a fix plan:
 `kbdiag collect && kbdiag infer`. The knowledge base is YAML and sandboxed Lua in kbdiag-data.")

set(CPACK_DEBIAN_DATA_PACKAGE_NAME kbdiag-data)
set(CPACK_DEBIAN_DATA_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_DATA_PACKAGE_ARCHITECTURE all)
set(CPACK_COMPONENT_DATA_DESCRIPTION "knowledge base of kbdiag (problems, causes, fixes, rules)
 The shipped knowledge base read by kbdiag and libkbdiag: fact catalog, problems and their error codes,
 causes, fixes, evidence rules (YAML and sandboxed Lua) and scenario tests, in /usr/share/kbdiag/knowledge.")

set(CPACK_DEBIAN_LIB_PACKAGE_NAME libkbdiag0)
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_LIB_PACKAGE_DEPENDS "kbdiag-data (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)   # a shlibs file for the packages with a SONAME: libkbdiag0
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_COMPONENT_LIB_DESCRIPTION "share-access error diagnosis as a C library (runtime)
 libkbdiag embeds kbdiag's diagnosis in another program: snapshot JSON in, the report JSON of
 `kbdiag infer --format json` out.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libkbdiag-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libkbdiag0 (= ${PROJECT_VERSION})")
set(CPACK_COMPONENT_DEV_DESCRIPTION "share-access error diagnosis as a C library (development files)
 The header kbdiag.h, the libkbdiag.so link, the pkg-config file kbdiag.pc and the CMake package
 (find_package(kbdiag), target kbdiag::kbdiag).")

include(CPack)
