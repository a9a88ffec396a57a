# Debian packages (`cpack` in a firmware build directory; docs: README "Install on a gateway"):
# the runtime package `lsedge` from the `runtime` install component (the program, the service's
# files and liblsedge.so.1), and `lsedge-dev` from `dev` (lsedge.h, liblsedge.a, the .so link,
# lsedge.pc, the CMake package). The runtime's Depends are what dpkg-shlibdeps finds the binary
# and the library need (libc6 and its minimum version: neither loads a C++ runtime library,
# platform/linux/cxx_runtime.cpp) plus systemd's sysusers and tmpfiles, which the maintainer
# scripts run; it declares the library's shlibs and triggers ldconfig.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(lsedge_deb_arch amd64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(lsedge_deb_arch arm64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^arm")
  set(lsedge_deb_arch armhf)
else()
  return()
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME lsedge)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Label Studio client for edge devices")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "lsedge creates labeling tasks and uploads them to a Label Studio server with a Personal \
Access Token or a legacy token. Capture devices queue tasks offline in a spool, and the lsedge \
service uploads them in order, losing none across restarts and outages.")
# Stripped as Debian ships binaries (the board's strip: the cross one for the gateways).
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME lsedge)
set(CPACK_DEBIAN_RUNTIME_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME lsedge-dev)
set(CPACK_DEBIAN_DEV_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "lsedge (= ${PROJECT_VERSION})")
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "lsedge C API for capture applications (development files)\n liblsedge's header lsedge.h, \
the static library, pkg-config's lsedge.pc and the CMake package (find_package(lsedge)): queue \
tasks and media with model predictions in an lsedge spool from a capture application.")
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${lsedge_deb_arch})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "lsedge developers <lsedge@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS
    "systemd | systemd-standalone-sysusers, systemd | systemd-standalone-tmpfiles")
set(lsedge_deb_scripts ${PROJECT_SOURCE_DIR}/platform/linux/dist/debian)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA
    ${lsedge_deb_scripts}/postinst ${lsedge_deb_scripts}/prerm ${lsedge_deb_scripts}/postrm
    ${lsedge_deb_scripts}/conffiles ${lsedge_deb_scripts}/triggers)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
