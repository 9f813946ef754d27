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
