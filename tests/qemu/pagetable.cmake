# kernkit::pagetable on real (emulated) hardware: builds Sv39, Sv48 (and Sv57
# when the hart has it) tables with the library, switches satp and checks
# remapped, huge, read-only, unmapped and split mappings from the inside.
kernkit_qemu_image(pagetable-sv39 SOURCES pagetable_qemu.c LIBS pagetable TIMEOUT 60)
