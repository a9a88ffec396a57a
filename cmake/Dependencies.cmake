# Third-party dependencies, all from Debian packages or Debian source packages (scripts/setup.sh
# installs and unpacks them).

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

# Mbed TLS 3.6 LTS, every preset: compiled from Debian 13's source package (scripts/setup.sh:
# apt-get source into .deps/) with the board's configuration, boards/<board>/mbedtls_config.h.
# Only lsedge_net links it, PRIVATE, so no other room can include its headers.
set(LSEDGE_MBEDTLS_SOURCE_DIR "${PROJECT_SOURCE_DIR}/.deps/mbedtls" CACHE PATH
    "Mbed TLS 3.6 source tree (Debian 13 source package mbedtls)")
if(NOT EXISTS "${LSEDGE_MBEDTLS_SOURCE_DIR}/library/ssl_tls13_client.c")
  message(FATAL_ERROR "Mbed TLS 3.6 source not found in ${LSEDGE_MBEDTLS_SOURCE_DIR}: run "
                      "scripts/setup.sh (apt-get source mbedtls from Debian 13) or set "
                      "LSEDGE_MBEDTLS_SOURCE_DIR")
endif()
file(STRINGS "${LSEDGE_MBEDTLS_SOURCE_DIR}/include/mbedtls/build_info.h" lsedge_mbedtls_version
     REGEX "^#define MBEDTLS_VERSION_STRING +\"3\\.6\\.")
if(NOT lsedge_mbedtls_version)
  message(FATAL_ERROR "${LSEDGE_MBEDTLS_SOURCE_DIR} is not Mbed TLS 3.6 (the boards' configs are)")
endif()
if(NOT EXISTS "${LSEDGE_BOARD_DIR}/mbedtls_config.h")
  message(FATAL_ERROR "boards/${LSEDGE_BOARD}/mbedtls_config.h not found: every board needs one")
endif()

# Third-party code: its own warnings off (it is not ours to fix). Size-optimised in the firmware
# build; -O2 on host, whatever the build type, as a system library would be (a debug build of
# lsedge does not need a slow RSA).
if(LSEDGE_FIRMWARE)
  set(lsedge_third_party_flags -Os -w)
else()
  set(lsedge_third_party_flags -O2 -w)
endif()

# lsedge_add_mbedtls(TARGET CONFIG_FILE [USER_CONFIG_FILE]): one static library of all of
# library/*.c; modules the config leaves out compile to nothing. The firmware build takes its
# memory from the static pool (LSEDGE_MBEDTLS_POOLED), the host presets from the heap.
file(GLOB lsedge_mbedtls_sources "${LSEDGE_MBEDTLS_SOURCE_DIR}/library/*.c")
function(lsedge_add_mbedtls target config_file)
  add_library(${target} STATIC ${lsedge_mbedtls_sources})
  target_include_directories(${target} SYSTEM BEFORE PUBLIC ${LSEDGE_MBEDTLS_SOURCE_DIR}/include)
  target_include_directories(${target} PRIVATE ${LSEDGE_MBEDTLS_SOURCE_DIR}/library)
  # The board's config includes the shared client options as "common/mbedtls_client.h".
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/boards)
  target_compile_definitions(${target} PUBLIC "MBEDTLS_CONFIG_FILE=\"${config_file}\"")
  if(LSEDGE_FIRMWARE)
    target_compile_definitions(${target} PUBLIC LSEDGE_MBEDTLS_POOLED=1)
  endif()
  if(ARGC GREATER 2)
    target_compile_definitions(${target} PUBLIC "MBEDTLS_USER_CONFIG_FILE=\"${ARGV2}\"")
  endif()
  target_compile_options(${target} PRIVATE ${lsedge_third_party_flags})
  set_target_properties(${target} PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)
endfunction()

# x86-64: AES-NI through Mbed TLS's intrinsics (-maes -mpclmul select MBEDTLS_AESNI_HAVE_CODE 2;
# aes.c must see the same value, or it lays out the round keys for the assembly path) and SSSE3's
# PSHUFB for GCM's byte reversal. aesni.c runs only after cpuid reported AES-NI, which implies
# SSSE3; GCC never emits AES/PCLMUL instructions by itself, so aes.c's table path stays baseline
# (checked with objdump; docs/firmware.md). The record path at -O3 on every x86-64 preset,
# firmware-host included (no size goal there): at -Os the byte reversals around each carry-less
# multiply stay byte loops, ~330 instructions per 16-byte block (docs/performance.md).
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(aesni_flags -maes -mpclmul)
  set_source_files_properties("${LSEDGE_MBEDTLS_SOURCE_DIR}/library/aesni.c" PROPERTIES
                              COMPILE_OPTIONS "-mssse3;${aesni_flags};-O3")
  set_source_files_properties("${LSEDGE_MBEDTLS_SOURCE_DIR}/library/aes.c" PROPERTIES
                              COMPILE_OPTIONS "${aesni_flags};-O3")
  set_source_files_properties("${LSEDGE_MBEDTLS_SOURCE_DIR}/library/gcm.c"
                              "${LSEDGE_MBEDTLS_SOURCE_DIR}/library/block_cipher.c"
                              PROPERTIES COMPILE_OPTIONS "-O3")
endif()

lsedge_add_mbedtls(lsedge_mbedtls "${LSEDGE_BOARD_DIR}/mbedtls_config.h")

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
