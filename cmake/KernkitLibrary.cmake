# kernkit_add_library(<name> SOURCES <src>... [DEPENDS <lib>...])
#
# Creates target kernkit_<name> (file libkernkit_<name>.a/.so), its alias
# kernkit::<name>, public include dirs, warnings-as-errors, hidden visibility and
# (shared builds) VERSION/SOVERSION. DEPENDS names other kernkit libraries
# (without prefix); base is always linked.  Sources may include the private
# helper header <kk_util.h> (base/internal/).

if(NOT TARGET kernkit_warnings)
  add_library(kernkit_warnings INTERFACE)
  target_compile_options(kernkit_warnings INTERFACE
    -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes)
  add_library(kernkit_internal INTERFACE)
  target_include_directories(kernkit_internal INTERFACE ${PROJECT_SOURCE_DIR}/base/internal)
endif()

# Architecture name the libraries use to pick per-arch files.
string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" _kk_proc)
if(_kk_proc MATCHES "^(x86_64|amd64)$")
  set(KERNKIT_ARCH x86_64)
elseif(_kk_proc MATCHES "^(i[3-6]86|x86)$")
  set(KERNKIT_ARCH i386)
elseif(_kk_proc MATCHES "^(riscv64)$")
  set(KERNKIT_ARCH riscv64)
elseif(_kk_proc MATCHES "^(aarch64|arm64)$")
  set(KERNKIT_ARCH aarch64)
else()
  set(KERNKIT_ARCH "${_kk_proc}")
endif()

function(kernkit_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
  set(tgt kernkit_${name})
  add_library(${tgt} ${ARG_SOURCES})
  add_library(kernkit::${name} ALIAS ${tgt})
  set_target_properties(${tgt} PROPERTIES
    OUTPUT_NAME kernkit_${name}
    EXPORT_NAME ${name}
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(BUILD_SHARED_LIBS)
    set_target_properties(${tgt} PROPERTIES
      VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
    # Debug info in every shared build: the ABI gate (tests/abi) reads the
    # types of the public interface from it.
    target_compile_options(${tgt} PRIVATE -g)
  endif()
  target_include_directories(${tgt} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_definitions(${tgt} PRIVATE KK_BUILDING_LIBRARY=1)
  target_link_libraries(${tgt} PRIVATE
    $<BUILD_INTERFACE:kernkit_warnings> $<BUILD_INTERFACE:kernkit_internal>)
  if(NOT name STREQUAL "base")
    target_link_libraries(${tgt} PUBLIC kernkit_base)
  endif()
  foreach(dep IN LISTS ARG_DEPENDS)
    if(NOT TARGET kernkit_${dep})
      message(FATAL_ERROR "kernkit::${name} needs kernkit::${dep}: add '${dep}' to KERNKIT_LIBS")
    endif()
    target_link_libraries(${tgt} PUBLIC kernkit_${dep})
  endforeach()
  set_property(GLOBAL PROPERTY KERNKIT_DEPS_${name} ${ARG_DEPENDS})
endfunction()
