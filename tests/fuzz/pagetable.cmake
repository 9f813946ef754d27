# Page-table op-stream harness (model + reference walker oracle), replayed over
# its committed corpus.
kernkit_add_fuzz(
  pagetable
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-pagetable.c
          ${CMAKE_CURRENT_LIST_DIR}/../pagetable/arena.c
          ${CMAKE_CURRENT_LIST_DIR}/../pagetable/ref_walk.c
  LIBS kernkit::pagetable
  CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/pagetable)
