# Third-party dependencies, all from Debian packages (scripts/setup.sh installs them).

# llhttp: node-llhttp ships its C sources; we compile them as C into a static library.
set(LSEDGE_LLHTTP_SOURCE_DIR "/usr/share/llhttp" CACHE PATH "llhttp C sources (node-llhttp)")
set(LSEDGE_LLHTTP_INCLUDE_DIR "/usr/share/include/llhttp" CACHE PATH "llhttp.h (node-llhttp)")
foreach(f api.c http.c llhttp.c)
  if(NOT EXISTS "${LSEDGE_LLHTTP_SOURCE_DIR}/${f}")
    message(FATAL_ERROR "${LSEDGE_LLHTTP_SOURCE_DIR}/${f} not found: run scripts/setup.sh "
                        "(Debian package node-llhttp)")
  endif()
endforeach()
add_library(llhttp STATIC
  ${LSEDGE_LLHTTP_SOURCE_DIR}/api.c
  ${LSEDGE_LLHTTP_SOURCE_DIR}/http.c
  ${LSEDGE_LLHTTP_SOURCE_DIR}/llhttp.c)
target_include_directories(llhttp SYSTEM PUBLIC ${LSEDGE_LLHTTP_INCLUDE_DIR})
set_target_properties(llhttp PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)
target_compile_options(llhttp PRIVATE -w)

if(LSEDGE_FIRMWARE)
  include(${CMAKE_CURRENT_LIST_DIR}/FirmwareDependencies.cmake)
  return()
endif()

# cJSON (libcjson-dev).
find_path(LSEDGE_CJSON_INCLUDE_DIR cjson/cJSON.h)
find_library(LSEDGE_CJSON_LIBRARY NAMES cjson)
if(NOT LSEDGE_CJSON_INCLUDE_DIR OR NOT LSEDGE_CJSON_LIBRARY)
  message(FATAL_ERROR "cJSON not found: run scripts/setup.sh (Debian package libcjson-dev)")
endif()
add_library(lsedge_cjson INTERFACE)
target_include_directories(lsedge_cjson SYSTEM INTERFACE ${LSEDGE_CJSON_INCLUDE_DIR})
target_link_libraries(lsedge_cjson INTERFACE ${LSEDGE_CJSON_LIBRARY})

# Mbed TLS 2.28 (libmbedtls-dev). Only lsedge_net links it, PRIVATE, so no other room can include
# its headers. Link order matters for static libraries: tls → x509 → crypto.
find_path(LSEDGE_MBEDTLS_INCLUDE_DIR mbedtls/ssl.h)
find_library(LSEDGE_MBEDTLS_LIBRARY NAMES mbedtls)
find_library(LSEDGE_MBEDX509_LIBRARY NAMES mbedx509)
find_library(LSEDGE_MBEDCRYPTO_LIBRARY NAMES mbedcrypto)
if(NOT LSEDGE_MBEDTLS_INCLUDE_DIR OR NOT LSEDGE_MBEDTLS_LIBRARY OR NOT LSEDGE_MBEDX509_LIBRARY
   OR NOT LSEDGE_MBEDCRYPTO_LIBRARY)
  message(FATAL_ERROR "Mbed TLS not found: run scripts/setup.sh (Debian package libmbedtls-dev)")
endif()
add_library(lsedge_mbedtls INTERFACE)
target_include_directories(lsedge_mbedtls SYSTEM INTERFACE ${LSEDGE_MBEDTLS_INCLUDE_DIR})
target_link_libraries(lsedge_mbedtls INTERFACE
  ${LSEDGE_MBEDTLS_LIBRARY} ${LSEDGE_MBEDX509_LIBRARY} ${LSEDGE_MBEDCRYPTO_LIBRARY})
