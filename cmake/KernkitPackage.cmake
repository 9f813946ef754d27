# Installation: headers, one archive/shared object per library, a CMake
# package (kernkitConfig.cmake, components = libraries) and one pkg-config
# file per library (kernkit-<lib>.pc).
include(CMakePackageConfigHelpers)

set(KERNKIT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/kernkit)
# The ABI flags a consumer must compile with to link these archives (cross
# builds: the toolchain file's -march/-mabi/-mcmodel... in KK_CROSS_FLAGS;
# host builds: none). Carried by the .pc files' Cflags and by the CMake
# package (kernkit_ABI_FLAGS, and INTERFACE_COMPILE_OPTIONS of kernkit::base).
if(KERNKIT_FREESTANDING)
  set(KERNKIT_ABI_FLAGS "${KK_CROSS_FLAGS}")
else()
  set(KERNKIT_ABI_FLAGS "")
endif()
if(KERNKIT_FREESTANDING AND TARGET kernkit_base)
  separate_arguments(_kk_abi UNIX_COMMAND "${KERNKIT_ABI_FLAGS}")
  foreach(_kk_flag IN LISTS _kk_abi)
    set_property(TARGET kernkit_base APPEND PROPERTY INTERFACE_COMPILE_OPTIONS
                 "$<INSTALL_INTERFACE:${_kk_flag}>")
  endforeach()
endif()
# The .pc files are relocatable: prefix is found from their own location.
file(RELATIVE_PATH KK_PC_PREFIX_REL "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/kernkit
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT devel)
install(FILES ${PROJECT_BINARY_DIR}/include/kernkit/config.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kernkit COMPONENT devel)

foreach(lib IN LISTS KERNKIT_BUILT_LIBS)
  install(TARGETS kernkit_${lib} EXPORT kernkit-${lib}-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(EXPORT kernkit-${lib}-targets NAMESPACE kernkit::
          FILE kernkit-${lib}-targets.cmake DESTINATION ${KERNKIT_CMAKE_DIR})

  get_property(deps GLOBAL PROPERTY KERNKIT_DEPS_${lib})
  set(KK_PC_REQUIRES "")
  if(NOT lib STREQUAL "base")
    set(KK_PC_REQUIRES "kernkit-base")
  endif()
  foreach(d IN LISTS deps)
    string(APPEND KK_PC_REQUIRES " kernkit-${d}")
  endforeach()
  string(STRIP "${KK_PC_REQUIRES}" KK_PC_REQUIRES)
  set(KK_PC_LIB ${lib})
  configure_file(${PROJECT_SOURCE_DIR}/cmake/kernkit.pc.in
                 ${PROJECT_BINARY_DIR}/pkgconfig/kernkit-${lib}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/kernkit-${lib}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kernkitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/kernkitConfig.cmake INSTALL_DESTINATION ${KERNKIT_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kernkitConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/kernkitConfig.cmake
              ${PROJECT_BINARY_DIR}/kernkitConfigVersion.cmake
        DESTINATION ${KERNKIT_CMAKE_DIR})

# CPack: one Debian package with everything cmake --install puts in place
# (libraries, headers, CMake and pkg-config files, tools, man pages):
# `cpack -G DEB` in a host build dir, then `apt install ./kernkit_*.deb`.
if(NOT KERNKIT_FREESTANDING)
  set(CPACK_GENERATOR DEB)
  set(CPACK_PACKAGE_NAME kernkit)
  set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
  set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
      "embeddable kernel-subsystem libraries (buddy, pagetable, sched, sync, trapframe, vfs, sfs) and SFS tools")
  set(CPACK_PACKAGE_CONTACT "kernkit maintainers <kernkit@invalid>")
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
  set(CPACK_DEBIAN_PACKAGE_SECTION devel)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
  include(CPack)
endif()
