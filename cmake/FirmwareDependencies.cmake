# Firmware build (LSEDGE_FIRMWARE): cJSON compiled from the Debian source package that
# scripts/setup.sh unpacks with `apt-get source` into .deps/ (git-ignored, never committed), with
# its allocation hooks on an arena. Same target name as the host build (lsedge_cjson), so the
# rooms are unchanged. (Mbed TLS: cmake/Dependencies.cmake, from source in every build.)

set(LSEDGE_CJSON_SOURCE_DIR "${PROJECT_SOURCE_DIR}/.deps/cjson" CACHE PATH
    "cJSON source tree (Debian source package cjson)")
if(NOT EXISTS "${LSEDGE_CJSON_SOURCE_DIR}/cJSON.c")
  message(FATAL_ERROR "cJSON source not found in ${LSEDGE_CJSON_SOURCE_DIR}: run scripts/setup.sh "
                      "(apt-get source cjson) or set LSEDGE_CJSON_SOURCE_DIR")
endif()
# cJSON: one file. The rooms include <cjson/cJSON.h> as with libcjson-dev, so the header is
# copied under a cjson/ directory. Its allocation hooks are set by firmware/json (arena).
configure_file("${LSEDGE_CJSON_SOURCE_DIR}/cJSON.h"
               "${CMAKE_BINARY_DIR}/deps-include/cjson/cJSON.h" COPYONLY)
add_library(lsedge_cjson STATIC "${LSEDGE_CJSON_SOURCE_DIR}/cJSON.c")
target_include_directories(lsedge_cjson SYSTEM PUBLIC ${CMAKE_BINARY_DIR}/deps-include)
target_compile_options(lsedge_cjson PRIVATE ${lsedge_third_party_flags})
set_target_properties(lsedge_cjson PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)
