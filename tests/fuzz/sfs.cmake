# SFS image fuzzer: mounts the input over a RAM device and exercises it.
if(TARGET kk_sfs_testutil)
  kernkit_add_fuzz(sfs-image SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-sfs-image.c
                   LIBS kernkit::sfs kk_sfs_testutil
                   CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/sfs)
endif()
