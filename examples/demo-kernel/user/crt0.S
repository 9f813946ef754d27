/* crt0.S: user entry. The kernel starts a program with a0 = argc and
 * a1 = argv on the stack; main's return value goes to exit(). */
    .section .text.entry
    .globl _start
_start:
    call    main
    call    exit
1:  j       1b
