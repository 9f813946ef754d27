# Driven by the install-consumer test; see CMakeLists.txt beside this file.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "install-consumer: '${cmd}' failed (${rc}):\n${out}\n${err}")
  endif()
  set(run_out "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
string(REPLACE "," ";" components "${COMPONENTS}")

# 1. find_package
run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/cmake-build
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${C_COMPILER}
    "-DCMAKE_C_FLAGS=${C_FLAGS}" -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    "-DKK_COMPONENTS=${COMPONENTS}")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cmake-build)
run(${WORK_DIR}/cmake-build/consumer)
if(NOT run_out MATCHES "kernkit [0-9]+\\.[0-9]+\\.[0-9]+ ok")
  message(FATAL_ERROR "install-consumer: find_package consumer printed '${run_out}'")
endif()

# 2. pkg-config
find_program(PKG_CONFIG pkg-config REQUIRED)
set(pcs "")
set(haves "")
foreach(c IN LISTS components)
  list(APPEND pcs kernkit-${c})
  list(APPEND haves -DKK_HAVE_${c})
endforeach()
file(GLOB pcdirs LIST_DIRECTORIES true ${prefix}/lib*/pkgconfig ${prefix}/lib/*/pkgconfig)
string(REPLACE ";" ":" pcpath "${pcdirs}")
set(ENV{PKG_CONFIG_PATH} "${pcpath}")
run(${PKG_CONFIG} --cflags ${pcs})
string(STRIP "${run_out}" cflags)
run(${PKG_CONFIG} --libs --static ${pcs})
string(STRIP "${run_out}" libs)
separate_arguments(cflags UNIX_COMMAND "${cflags}")
separate_arguments(libs UNIX_COMMAND "${libs}")
separate_arguments(extra UNIX_COMMAND "${C_FLAGS}")
run(${C_COMPILER} ${extra} ${haves} ${cflags} ${CONSUMER_DIR}/consumer.c -o ${WORK_DIR}/pc-consumer ${libs})
# Shared builds: pkg-config gives no rpath, so point the loader at the prefix.
string(REPLACE "/pkgconfig" "" libdirs "${pcpath}")
set(ENV{LD_LIBRARY_PATH} "${libdirs}")
run(${WORK_DIR}/pc-consumer)
if(NOT run_out MATCHES "kernkit [0-9]+\\.[0-9]+\\.[0-9]+ ok")
  message(FATAL_ERROR "install-consumer: pkg-config consumer printed '${run_out}'")
endif()
message(STATUS "install-consumer: find_package and pkg-config consumers ok (${COMPONENTS})")
