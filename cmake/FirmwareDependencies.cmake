# Firmware build (LSEDGE_FIRMWARE): Mbed TLS and cJSON compiled from the Debian source packages
# that scripts/setup.sh unpacks with `apt-get source` into .deps/ (git-ignored, never committed).
# Same target names as the host build (lsedge_mbedtls, lsedge_cjson), so the rooms are unchanged.

set(LSEDGE_MBEDTLS_SOURCE_DIR "${PROJECT_SOURCE_DIR}/.deps/mbedtls" CACHE PATH
    "Mbed TLS 2.28 source tree (Debian source package mbedtls)")
set(LSEDGE_CJSON_SOURCE_DIR "${PROJECT_SOURCE_DIR}/.deps/cjson" CACHE PATH
    "cJSON source tree (Debian source package cjson)")
if(NOT EXISTS "${LSEDGE_MBEDTLS_SOURCE_DIR}/library/ssl_tls.c")
  message(FATAL_ERROR "Mbed TLS source not found in ${LSEDGE_MBEDTLS_SOURCE_DIR}: run scripts/setup.sh "
                      "(apt-get source mbedtls) or set LSEDGE_MBEDTLS_SOURCE_DIR")
endif()
if(NOT EXISTS "${LSEDGE_CJSON_SOURCE_DIR}/cJSON.c")
  message(FATAL_ERROR "cJSON source not found in ${LSEDGE_CJSON_SOURCE_DIR}: run scripts/setup.sh "
                      "(apt-get source cjson) or set LSEDGE_CJSON_SOURCE_DIR")
endif()
file(STRINGS "${LSEDGE_MBEDTLS_SOURCE_DIR}/include/mbedtls/version.h" lsedge_mbedtls_version
     REGEX "^#define MBEDTLS_VERSION_STRING +\"2\\.28\\.")
if(NOT lsedge_mbedtls_version)
  message(FATAL_ERROR "${LSEDGE_MBEDTLS_SOURCE_DIR} is not Mbed TLS 2.28 (the boards' configs are)")
endif()

# Third-party code: size-optimised, its own warnings off (it is not ours to fix).
set(lsedge_third_party_flags -Os -w)

# lsedge_add_mbedtls(TARGET CONFIG_FILE [USER_CONFIG_FILE]): one static library of all of
# library/*.c; modules the config leaves out compile to nothing.
file(GLOB lsedge_mbedtls_sources "${LSEDGE_MBEDTLS_SOURCE_DIR}/library/*.c")
function(lsedge_add_mbedtls target config_file)
  add_library(${target} STATIC ${lsedge_mbedtls_sources})
  target_include_directories(${target} SYSTEM PUBLIC ${LSEDGE_MBEDTLS_SOURCE_DIR}/include)
  target_include_directories(${target} PRIVATE ${LSEDGE_MBEDTLS_SOURCE_DIR}/library)
  # The board's config includes the shared client options as "common/mbedtls_client.h".
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/boards)
  target_compile_definitions(${target} PUBLIC "MBEDTLS_CONFIG_FILE=\"${config_file}\""
                                              LSEDGE_MBEDTLS_POOLED=1)
  if(ARGC GREATER 2)
    target_compile_definitions(${target} PUBLIC "MBEDTLS_USER_CONFIG_FILE=\"${ARGV2}\"")
  endif()
  target_compile_options(${target} PRIVATE ${lsedge_third_party_flags})
  set_target_properties(${target} PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)
endfunction()

lsedge_add_mbedtls(lsedge_mbedtls "${LSEDGE_BOARD_DIR}/mbedtls_config.h")

# cJSON: one file. The rooms include <cjson/cJSON.h> as with libcjson-dev, so the header is
# copied under a cjson/ directory. Its allocation hooks are set by firmware/json (arena).
configure_file("${LSEDGE_CJSON_SOURCE_DIR}/cJSON.h"
               "${CMAKE_BINARY_DIR}/deps-include/cjson/cJSON.h" COPYONLY)
add_library(lsedge_cjson STATIC "${LSEDGE_CJSON_SOURCE_DIR}/cJSON.c")
target_include_directories(lsedge_cjson SYSTEM PUBLIC ${CMAKE_BINARY_DIR}/deps-include)
target_compile_options(lsedge_cjson PRIVATE ${lsedge_third_party_flags})
set_target_properties(lsedge_cjson PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)
