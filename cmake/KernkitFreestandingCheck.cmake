# check-freestanding: fails if any library archive references a symbol that is
# neither defined by a kernkit archive nor memcpy/memmove/memset/memcmp nor a
# libgcc helper. Defined in every freestanding (cross) build.
# check-symbols: fails if any library archive defines a global symbol outside
# the kk_ namespace. Part of ALL in freestanding builds; a ctest elsewhere.
set(_kk_files "")
set(_kk_deps "")
foreach(lib IN LISTS KERNKIT_BUILT_LIBS)
  string(APPEND _kk_files "$<TARGET_FILE:kernkit_${lib}>\n")
  list(APPEND _kk_deps kernkit_${lib})
endforeach()
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/freestanding-archives.txt CONTENT "${_kk_files}")
if(BUILD_SHARED_LIBS)
  return()
endif()
if(KERNKIT_FREESTANDING)
  set(_kk_all ALL)
else()
  set(_kk_all "")
endif()
add_custom_target(check-symbols ${_kk_all}
  COMMAND ${CMAKE_COMMAND} -DNM=${CMAKE_NM}
          -DLIST=${PROJECT_BINARY_DIR}/freestanding-archives.txt
          -P ${PROJECT_SOURCE_DIR}/cmake/CheckSymbols.cmake
  DEPENDS ${_kk_deps}
  COMMENT "Checking that every global the libraries define is kk_-prefixed"
  VERBATIM)
if(NOT KERNKIT_FREESTANDING)
  return()
endif()
add_custom_target(check-freestanding ALL
  COMMAND ${CMAKE_COMMAND} -DNM=${CMAKE_NM}
          -DLIST=${PROJECT_BINARY_DIR}/freestanding-archives.txt
          -P ${PROJECT_SOURCE_DIR}/cmake/CheckFreestanding.cmake
  DEPENDS ${_kk_deps}
  COMMENT "Checking that the libraries need only memcpy/memmove/memset/memcmp and libgcc"
  VERBATIM)
