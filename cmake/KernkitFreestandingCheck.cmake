# check-freestanding: fails if any library archive references a symbol that is
# neither defined by a kernkit archive nor memcpy/memmove/memset/memcmp nor a
# libgcc helper. Defined in every freestanding (cross) build.
if(NOT KERNKIT_FREESTANDING)
  return()
endif()
set(_kk_files "")
set(_kk_deps "")
foreach(lib IN LISTS KERNKIT_BUILT_LIBS)
  string(APPEND _kk_files "$<TARGET_FILE:kernkit_${lib}>\n")
  list(APPEND _kk_deps kernkit_${lib})
endforeach()
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/freestanding-archives.txt CONTENT "${_kk_files}")
add_custom_target(check-freestanding ALL
  COMMAND ${CMAKE_COMMAND} -DNM=${CMAKE_NM}
          -DLIST=${PROJECT_BINARY_DIR}/freestanding-archives.txt
          -P ${PROJECT_SOURCE_DIR}/cmake/CheckFreestanding.cmake
  DEPENDS ${_kk_deps}
  COMMENT "Checking that the libraries need only memcpy/memmove/memset/memcmp and libgcc"
  VERBATIM)
