# SFS image fuzzer: mounts the input over a RAM device and exercises it.
if(TARGET kk_sfs_testutil)
  kernkit_add_fuzz(sfs-image SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-sfs-image.c
                   LIBS kernkit::sfs kk_sfs_testutil
                   CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/sfs)
endif()

# The committed corpus is regenerated deterministically by gen-sfs-corpus
# (`gen-sfs-corpus write tests/fuzz/corpus/sfs`); this test checks it is current.
if(TARGET kk_sfs_testutil)
  add_executable(gen-sfs-corpus ${CMAKE_CURRENT_LIST_DIR}/gen-sfs-corpus.c)
  target_link_libraries(gen-sfs-corpus PRIVATE kernkit::sfs kk_sfs_testutil)
  target_compile_options(gen-sfs-corpus PRIVATE -Wall -Wextra -Werror)
  add_test(NAME sfs-corpus-gen COMMAND gen-sfs-corpus check ${CMAKE_CURRENT_LIST_DIR}/corpus/sfs)
endif()

# VFS path resolution and namespace operations over a mutated, packed image
# (seeds made by gen-sfs-vfs-seeds.py from the sfs corpus).
if(TARGET kk_sfs_testutil AND TARGET kernkit::vfs)
  kernkit_add_fuzz(sfs-vfs SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-sfs-vfs.c
                   LIBS kernkit::sfs kernkit::vfs kk_sfs_testutil
                   CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/sfs-vfs)
endif()

# The sfs tool's extract, ls, stat and cat (tools/sfs-cmd.c) over a mutated,
# packed image, into a temporary directory (seeds by gen-sfs-vfs-seeds.py).
if(TARGET kk_sfs_testutil AND TARGET kernkit::vfs AND EXISTS ${PROJECT_SOURCE_DIR}/tools/sfs-cmd.c)
  kernkit_add_fuzz(sfs-tools SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-sfs-tools.c
                   ${PROJECT_SOURCE_DIR}/tools/sfs-cmd.c ${PROJECT_SOURCE_DIR}/tools/msg.c
                   LIBS kernkit::sfs kernkit::vfs kk_sfs_testutil
                   CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/sfs-tools)
  target_include_directories(fuzz-replay-sfs-tools PRIVATE ${PROJECT_SOURCE_DIR}/tools)
  if(TARGET fuzz-sfs-tools)
    target_include_directories(fuzz-sfs-tools PRIVATE ${PROJECT_SOURCE_DIR}/tools)
  endif()
endif()

# The committed sfs-vfs and sfs-tools seeds are what gen-sfs-vfs-seeds.py makes.
find_package(Python3 COMPONENTS Interpreter QUIET)
if(TARGET kk_sfs_testutil AND Python3_Interpreter_FOUND)
  add_test(NAME sfs-vfs-seeds-gen
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/gen-sfs-vfs-seeds.py --check
                   ${CMAKE_CURRENT_LIST_DIR}/corpus/sfs ${CMAKE_CURRENT_LIST_DIR}/corpus)
  set_tests_properties(sfs-vfs-seeds-gen PROPERTIES TIMEOUT 60)
endif()
