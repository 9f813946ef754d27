# Frame allocator + heap op-stream harness, replayed over its committed corpus.
kernkit_add_fuzz(buddy SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-buddy.c LIBS kernkit::buddy
                 CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/buddy)
