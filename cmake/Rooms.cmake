# The room graph, enforced by the compiler (docs/ARCHITECTURE.md "Rooms").
#
# Every room's headers are included by their path from the repository root
# ("firmware/http/connection.h"), but no target gets the repository root as include path. Each
# room gets an include root of its own in the build tree, holding a link to its directory and
# nothing else: build/rooms/<target>/firmware/http -> <source>/firmware/http. A target sees a room's
# headers only through that room's root, which it gets only by linking the room, so including a
# room you do not link fails with "No such file or directory" (tests/rooms proves it).

# lsedge_room(TARGET DIRECTORY): TARGET's headers are DIRECTORY (relative to the source root).
function(lsedge_room target directory)
  set(root "${CMAKE_BINARY_DIR}/rooms/${target}")
  get_filename_component(parent "${root}/${directory}" DIRECTORY)
  file(MAKE_DIRECTORY "${parent}")
  file(CREATE_LINK "${PROJECT_SOURCE_DIR}/${directory}" "${root}/${directory}" SYMBOLIC)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE "${root}")
  else()
    target_include_directories(${target} PUBLIC "${root}")
  endif()
endfunction()
