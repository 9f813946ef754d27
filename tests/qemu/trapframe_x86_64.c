/*
 * trapframe on x86_64 QEMU (-kernel, multiboot): a self-contained image. The
 * boot code below goes from the multiboot 32-bit entry to long mode with an
 * identity map of the first GiB in 2 MiB pages (user-accessible, except one
 * hole for the page-fault test), then kk_qemu_x86_main() checks
 *  - kernel mode: #UD and #BP through the run-time handler and trap frame
 *    (DF cleared on entry), a PIT timer interrupt;
 *  - user mode: a 6-argument `syscall` (sysret path), every register in and
 *    out through `int $0x80` (iretq path), the FS base as TLS with and without
 *    FSGSBASE, a page fault with the right cr2 and error code, a timer
 *    interrupt in ring 3, a non-canonical rip;
 *  - kk_context_switch between two kernel threads.
 * It ends through isa-debug-exit: 0x10 (QEMU status 33) passes, 0x11 fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <kernkit/trapframe.h>

#define HOLE_VA 0x3fe00000ul /* the last 2 MiB of the first GiB: not mapped */

/* clang-format off */
__asm__(".section .multiboot, \"a\"\n"
        ".balign 4\n"
        ".long 0x1badb002, 0, -0x1badb002\n"
        ".section .bss\n"
        ".balign 4096\n"
        "boot_pml4: .skip 4096\n"
        "boot_pdpt: .skip 4096\n"
        "boot_pd: .skip 4096\n"
        "boot_stack: .skip 16384\n"
        "boot_stack_top:\n"
        ".section .rodata\n"
        ".balign 8\n"
        "boot_gdt: .quad 0, 0x00af9a000000ffff, 0x00cf92000000ffff\n"
        "boot_gdtr: .word 23\n .long boot_gdt\n"
        ".section .text.boot, \"ax\"\n"
        ".code32\n"
        ".globl _start\n"
        "_start:\n"
        "  cli\n"
        "  mov $boot_stack_top, %esp\n"
        "  mov $boot_pdpt, %eax\n  or $7, %eax\n  mov %eax, boot_pml4\n"
        "  mov $boot_pd, %eax\n  or $7, %eax\n  mov %eax, boot_pdpt\n"
        "  xor %ecx, %ecx\n"
        "1:mov %ecx, %eax\n  shl $21, %eax\n  or $0x87, %eax\n" /* P RW US PS */
        "  mov %eax, boot_pd(,%ecx,8)\n"
        "  inc %ecx\n  cmp $511, %ecx\n  jne 1b\n"
        "  mov $boot_pml4, %eax\n  mov %eax, %cr3\n"
        "  mov %cr4, %eax\n  or $0x620, %eax\n  mov %eax, %cr4\n" /* PAE OSFXSR OSXMMEXCPT */
        "  mov $0xc0000080, %ecx\n  rdmsr\n  or $0x100, %eax\n  wrmsr\n" /* LME */
        "  mov %cr0, %eax\n  or $0x80000001, %eax\n  mov %eax, %cr0\n"
        "  lgdt boot_gdtr\n"
        "  ljmp $8, $2f\n"
        ".code64\n"
        "2:mov $0x10, %eax\n  mov %eax, %ds\n  mov %eax, %es\n  mov %eax, %ss\n"
        "  mov $boot_stack_top, %rsp\n"
        "  call kk_qemu_x86_main\n"
        "3:hlt\n  jmp 3b\n"
        ".text\n");
/* clang-format on */

void kk_qemu_x86_main(void);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void puts_(const char *s)
{
    for (; *s; s++)
        outb(0x3f8, (uint8_t)*s);
}

static void put_hex(uint64_t v)
{
    char buf[19] = "0x";
    for (int i = 0; i < 16; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
    buf[18] = 0;
    puts_(buf);
}

static __attribute__((noreturn)) void finish(uint8_t code)
{
    __asm__ volatile("outb %0, $0xf4" : : "a"(code));
    for (;;)
        __asm__ volatile("cli; hlt");
}

static __attribute__((noreturn)) void fail_at(int line, const char *what, uint64_t v)
{
    puts_("KK-QEMU-FAIL: line ");
    put_hex((uint64_t)line);
    puts_(": ");
    puts_(what);
    puts_(" ");
    put_hex(v);
    puts_("\n");
    finish(0x11);
}

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            fail_at(__LINE__, #c, 0);                                                              \
    } while (0)
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        uint64_t a_ = (uint64_t)(a);                                                               \
        if (a_ != (uint64_t)(b))                                                                   \
            fail_at(__LINE__, #a " == " #b ", got", a_);                                           \
    } while (0)

/* ---- kernel traps ------------------------------------------------------- */

static struct kk_trap_cpu cpu;
static _Alignas(16) uint8_t trap_stack[8192], ist_stack[8192];
static volatile uint64_t ticks, uds, bps, kernel_df, ud_rax;

static void kernel_handler(struct kk_trapframe *tf, void *ctx)
{
    uint64_t fl;
    __asm__ volatile("pushfq; popq %0" : "=r"(fl));
    kernel_df |= fl & 0x400;
    CHECK(ctx == &cpu);
    switch (tf->vector) {
    case 32:
        ticks++;
        outb(0x20, 0x20);
        return;
    case 6:
        uds++;
        ud_rax = tf->rax;
        tf->rbx = 0x600d;
        CHECK(tf->rflags & 0x400); /* the interrupted code had DF set */
        tf->rflags &= ~0x400ull;
        kk_tf_set_pc(tf, kk_tf_pc(tf) + 2);
        return;
    case 3:
        bps++;
        return;
    default:
        fail_at(__LINE__, "unexpected kernel trap, vector", tf->vector);
    }
}

static void install(uint32_t flags)
{
    struct kk_trap_config cfg = {
        .size = sizeof(cfg),
        .flags = flags,
        .cpu = &cpu,
        .handler = kernel_handler,
        .ctx = &cpu,
        .trap_stack_top = (uint64_t)(uintptr_t)(trap_stack + sizeof(trap_stack)),
        .ist_stack_top = (uint64_t)(uintptr_t)(ist_stack + sizeof(ist_stack)),
        .user_int_vector = 0x80,
    };
    CHECK_EQ(kk_trap_init(NULL), KK_EINVAL);
    CHECK_EQ(kk_trap_init(&cfg), 0);
    uint64_t self;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(self));
    CHECK_EQ(self, (uintptr_t)&cpu);
}

static void pic_pit_init(void)
{
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, 0x20);
    outb(0xa1, 0x28);
    outb(0x21, 4);
    outb(0xa1, 2);
    outb(0x21, 1);
    outb(0xa1, 1);
    outb(0x21, 0xfe); /* IRQ0 only */
    outb(0xa1, 0xff);
    outb(0x43, 0x34);
    outb(0x40, 11932 & 0xff); /* 100 Hz */
    outb(0x40, 11932 >> 8);
}

static void kernel_traps(void)
{
    register uint64_t rax __asm__("rax") = 0xabcdef;
    register uint64_t rbx __asm__("rbx") = 0;
    __asm__ volatile("std\n\tud2\n\tint3" : "+r"(rax), "+r"(rbx) : : "memory");
    CHECK_EQ(uds, 1);
    CHECK_EQ(bps, 1);
    CHECK_EQ(ud_rax, 0xabcdef);
    CHECK_EQ(rbx, 0x600d);
    CHECK_EQ(kernel_df, 0);
    uint64_t t = ticks;
    __asm__ volatile("sti");
    for (unsigned long i = 0; ticks == t && i < 1000000000ul; i++)
        __asm__ volatile("pause");
    __asm__ volatile("cli");
    CHECK(ticks > t);
    puts_("trapframe-x86_64: kernel #UD, #BP, timer ok\n");
}

/* ---- user mode ---------------------------------------------------------- */

enum { SYS_SUM6 = 1, SYS_REPORT = 2, SYS_PUSHED = 4 };

void user_prog(void);
void user_spin(void);
void user_wrfsbase(void);

/* clang-format off */
__asm__(".text\n"
        ".globl user_prog\n"
        "user_prog:\n"
        "  mov $1, %eax\n  mov $11, %edi\n  mov $22, %esi\n  mov $33, %edx\n"
        "  mov $44, %r10d\n  mov $55, %r8d\n  mov $66, %r9d\n"
        "  syscall\n"
        "  mov %rax, %rdi\n  mov $2, %eax\n"
        "  syscall\n"
        "  movabs $0x7101010101010101, %rax\n  movabs $0x7202020202020202, %rbx\n"
        "  movabs $0x7303030303030303, %rcx\n  movabs $0x7404040404040404, %rdx\n"
        "  movabs $0x7505050505050505, %rsi\n  movabs $0x7606060606060606, %rdi\n"
        "  movabs $0x7707070707070707, %rbp\n  movabs $0x7808080808080808, %r8\n"
        "  movabs $0x7909090909090909, %r9\n  movabs $0x7a0a0a0a0a0a0a0a, %r10\n"
        "  movabs $0x7b0b0b0b0b0b0b0b, %r11\n  movabs $0x7c0c0c0c0c0c0c0c, %r12\n"
        "  movabs $0x7d0d0d0d0d0d0d0d, %r13\n  movabs $0x7e0e0e0e0e0e0e0e, %r14\n"
        "  movabs $0x7f0f0f0f0f0f0f0f, %r15\n"
        "  std\n"
        "  int $0x80\n"
        "  pushfq\n"
        "  push %rax\n  push %rbx\n  push %rcx\n  push %rdx\n  push %rsi\n"
        "  push %rdi\n  push %rbp\n  push %r8\n  push %r9\n  push %r10\n"
        "  push %r11\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
        "  cld\n"
        "  mov $4, %eax\n"
        "  syscall\n"
        "  add $128, %rsp\n"
        "  mov %fs:0, %rdi\n  mov $2, %eax\n"
        "  syscall\n"
        "  movq 0x3fe00010, %rax\n"
        "  ud2\n"
        ".globl user_spin\n"
        "user_spin:\n"
        "  jmp user_spin\n"
        ".globl user_wrfsbase\n"
        "user_wrfsbase:\n"
        "  wrfsbase %rdi\n"
        "  mov $2, %eax\n"
        "  syscall\n"
        "  ud2\n");
/* clang-format on */

static _Alignas(16) uint8_t user_stack[16384];
static volatile uint64_t tls_block[2] = {0x715, 0};
static struct kk_user_context uc;

static uint64_t first(unsigned i)
{
    static const uint64_t v[15] = {
        0x7101010101010101ull, 0x7202020202020202ull, 0x7303030303030303ull, 0x7404040404040404ull,
        0x7505050505050505ull, 0x7606060606060606ull, 0x7707070707070707ull, 0x7808080808080808ull,
        0x7909090909090909ull, 0x7a0a0a0a0a0a0a0aull, 0x7b0b0b0b0b0b0b0bull, 0x7c0c0c0c0c0c0c0cull,
        0x7d0d0d0d0d0d0d0dull, 0x7e0e0e0e0e0e0e0eull, 0x7f0f0f0f0f0f0f0full};
    return v[i];
}

static uint64_t *gpr(unsigned i)
{
    uint64_t *r[15] = {&uc.rax, &uc.rbx, &uc.rcx, &uc.rdx, &uc.rsi, &uc.rdi, &uc.rbp, &uc.r8,
                       &uc.r9,  &uc.r10, &uc.r11, &uc.r12, &uc.r13, &uc.r14, &uc.r15};
    return r[i];
}

/*
 * Run the user context until a trap other than a timer interrupt: the PIT
 * keeps ticking at 100 Hz while user code runs with interrupts on, and under a
 * loaded host a tick may land anywhere; it is acknowledged and user code resumed.
 */
static int run_user(void)
{
    int rc;
    while ((rc = kk_uctx_run(&uc)) == 0 && uc.vector == 32)
        outb(0x20, 0x20);
    return rc;
}

static void run_syscall(uint64_t nr)
{
    CHECK_EQ(run_user(), 0);
    if (!kk_uctx_is_syscall(&uc))
        fail_at(__LINE__, "expected a syscall, vector", uc.vector);
    CHECK_EQ(kk_uctx_syscall_nr(&uc), nr);
}

static void user_tests(const char *mode)
{
    memset(&uc, 0, sizeof(uc));
    CHECK_EQ(kk_uctx_run(NULL), (uint64_t)(int64_t)KK_EINVAL);
    uc.rip = (uint64_t)(uintptr_t)user_prog;
    uc.rsp = (uint64_t)(uintptr_t)(user_stack + sizeof(user_stack));
    kk_uctx_set_tls(&uc, (uint64_t)(uintptr_t)tls_block);

    run_syscall(SYS_SUM6);
    for (unsigned i = 0; i < 6; i++)
        CHECK_EQ(kk_uctx_arg(&uc, i), 11 * (i + 1));
    CHECK_EQ(uc.rcx, uc.rip); /* sysret-able */
    kk_uctx_set_ret(&uc, 231);
    run_syscall(SYS_REPORT);
    CHECK_EQ(kk_uctx_arg(&uc, 0), 231);

    CHECK_EQ(run_user(), 0);
    CHECK_EQ(uc.vector, 0x80);
    for (unsigned i = 0; i < 15; i++)
        CHECK_EQ(*gpr(i), first(i));
    CHECK(uc.rflags & 0x400);
    CHECK((uc.rflags & 0x200) != 0); /* user ran with interrupts on */
    for (unsigned i = 0; i < 15; i++)
        *gpr(i) = ~first(i);
    uc.rflags = (uc.rflags & ~0x400ull) | 1; /* DF off, CF on */
    run_syscall(SYS_PUSHED);
    const uint64_t *pushed = (const uint64_t *)(uintptr_t)uc.rsp;
    for (unsigned i = 0; i < 15; i++)
        CHECK_EQ(pushed[14 - i], ~first(i));
    CHECK_EQ(pushed[15] & 0x401, 1);

    run_syscall(SYS_REPORT);
    CHECK_EQ(kk_uctx_arg(&uc, 0), 0x715); /* %fs:0 read through the TLS base */

    CHECK_EQ(run_user(), 0);
    CHECK_EQ(uc.vector, 14);
    CHECK_EQ(uc.cr2, HOLE_VA + 0x10);
    CHECK_EQ(uc.error_code & 5, 4); /* user access, page not present */

    /* A PIT interrupt in ring 3 ends kk_uctx_run() with vector 32. */
    uc.rip = (uint64_t)(uintptr_t)user_spin;
    CHECK_EQ(kk_uctx_run(&uc), 0);
    CHECK_EQ(uc.vector, 32);
    CHECK_EQ(uc.rip, (uint64_t)(uintptr_t)user_spin);
    outb(0x20, 0x20);

    /* A non-canonical rip is reported as #GP, never entered. */
    uc.rip = 0x0000800000000000ull;
    CHECK_EQ(run_user(), 0);
    CHECK_EQ(uc.vector, 13);

    if (cpu.flags & KK_X86_CPU_FSGSBASE) {
        /* User code moves its own FS base; the trap path reads it back. */
        uc.rip = (uint64_t)(uintptr_t)user_wrfsbase;
        uc.rdi = 0x12345000;
        run_syscall(SYS_REPORT);
        CHECK_EQ(kk_uctx_tls(&uc), 0x12345000);
    }
    puts_("trapframe-x86_64: user syscall/sysret, int/iretq, registers, TLS, #PF, IRQ, #GP ok (");
    puts_(mode);
    puts_(")\n");
}

/* ---- kernel threads ----------------------------------------------------- */

static struct kk_context main_ctx, th_ctx[2];
static _Alignas(16) uint8_t th_stack[2][8192];
static char trace[32];
static unsigned ntrace;

static void thread_fn(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    for (;;) {
        trace[ntrace++] = (char)('a' + id);
        kk_context_switch(&th_ctx[id], id == 0 ? &th_ctx[1] : &main_ctx);
    }
}

static void threads(void)
{
    CHECK_EQ(kk_context_init(&th_ctx[0], th_stack[0], sizeof(th_stack[0]), thread_fn, (void *)0),
             0);
    CHECK_EQ(kk_context_init(&th_ctx[1], th_stack[1], sizeof(th_stack[1]), thread_fn, (void *)1),
             0);
    for (unsigned i = 0; i < 3; i++) {
        trace[ntrace++] = 'm';
        kk_context_switch(&main_ctx, &th_ctx[0]);
    }
    const char *want = "mabmabmab";
    for (unsigned i = 0; want[i]; i++)
        CHECK_EQ(trace[i], want[i]);
    CHECK_EQ(ntrace, 9);
    puts_("trapframe-x86_64: kernel thread switch ok\n");
}

/* ---- FPU: XSAVE (AVX upper halves) or the FXSAVE fallback --------------- */

static _Alignas(64) uint8_t fpu_area[8192];

static void vec_load(const uint8_t *v, int avx)
{
    if (avx)
        __asm__ volatile("vmovdqu (%0), %%ymm7" : : "r"(v) : "memory");
    else
        __asm__ volatile("movdqu (%0), %%xmm7" : : "r"(v) : "memory");
}

static void vec_store(uint8_t *v, int avx)
{
    if (avx)
        __asm__ volatile("vmovdqu %%ymm7, (%0)" : : "r"(v) : "memory");
    else
        __asm__ volatile("movdqu %%xmm7, (%0)" : : "r"(v) : "memory");
}

static void fpu_tests(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    int has_xsave = (c >> 26) & 1, has_avx = (c >> 28) & 1;
    uint64_t xcr0 = kk_x86_fpu_enable(~0ull);
    CHECK_EQ(xcr0 != 0, has_xsave);
    int avx = has_avx && (xcr0 & KK_X86_XCR0_AVX);
    CHECK_EQ(avx, has_avx && has_xsave);
    size_t size = kk_fpu_state_size();
    CHECK(size <= sizeof(fpu_area));
    struct kk_fpu_state *st = (struct kk_fpu_state *)fpu_area;
    CHECK_EQ(kk_fpu_state_init(st, size - 1), KK_ERANGE);
    CHECK_EQ(kk_fpu_state_init(st, size), 0);
    CHECK_EQ(st->mode != KK_X86_FPU_FXSAVE, has_xsave);
    unsigned n = avx ? 32 : 16;
    uint8_t p[32], q[32], out[32];
    for (unsigned i = 0; i < 32; i++) {
        p[i] = (uint8_t)(0x11 * i + 3);
        q[i] = (uint8_t)(0xff - i);
    }
    vec_load(p, avx);
    CHECK_EQ(kk_fpu_save(st), 0);
    vec_load(q, avx);
    CHECK_EQ(kk_fpu_restore(st), 0);
    vec_store(out, avx);
    for (unsigned i = 0; i < n; i++)
        CHECK_EQ(out[i], p[i]);
    puts_("trapframe-x86_64: fpu ");
    puts_(st->mode == KK_X86_FPU_XSAVEOPT ? "XSAVEOPT"
          : st->mode == KK_X86_FPU_XSAVE  ? "XSAVE"
                                          : "FXSAVE");
    puts_(avx ? " (ymm upper half kept), xcr0 " : " (xmm), xcr0 ");
    put_hex(xcr0);
    puts_(", area ");
    put_hex(size);
    puts_(" ok\n");
}

/* ---- SMP: a second CPU (INIT-SIPI-SIPI) with its own block --------------- */

#define LAPIC_BASE  0xfee00000ul
#define LAPIC_ID    0x20
#define LAPIC_EOI   0xb0
#define LAPIC_SVR   0xf0
#define LAPIC_ICRLO 0x300
#define LAPIC_TIMER 0x320
#define LAPIC_TICR  0x380
#define LAPIC_TDCR  0x3e0
#define TIMER_VEC   0x30
#define TRAMPOLINE  0x8000ul
#define SMP_ROUNDS  200

void ap_tramp_start(void);
void ap_tramp_end(void);
void ap_main(void);
extern uint64_t boot_pml4[], boot_pdpt[];
uint64_t ap_stack_ptr;

/* clang-format off */
/* Copied to TRAMPOLINE; the SIPI starts it in real mode at 0800:0000. It goes
 * straight to long mode with the boot page tables and calls ap_main. */
__asm__(".section .rodata\n"
        ".code16\n"
        ".globl ap_tramp_start\n"
        "ap_tramp_start:\n"
        "  cli\n"
        "  mov %cs, %ax\n  mov %ax, %ds\n"
        "  lgdtl (tramp_gdtr - ap_tramp_start)\n"
        "  mov %cr4, %eax\n  or $0x620, %eax\n  mov %eax, %cr4\n"
        "  mov $boot_pml4, %eax\n  mov %eax, %cr3\n"
        "  mov $0xc0000080, %ecx\n  rdmsr\n  or $0x100, %eax\n  wrmsr\n"
        "  mov %cr0, %eax\n  or $0x80000001, %eax\n  mov %eax, %cr0\n"
        "  ljmpl $8, $(tramp_long - ap_tramp_start + 0x8000)\n"
        ".code64\n"
        "tramp_long:\n"
        "  mov $0x10, %eax\n  mov %eax, %ds\n  mov %eax, %es\n  mov %eax, %ss\n"
        "  mov ap_stack_ptr, %rsp\n"
        "  movabs $ap_main, %rax\n"
        "  call *%rax\n"
        "1:hlt\n  jmp 1b\n"
        ".balign 8\n"
        "tramp_gdt: .quad 0, 0x00af9a000000ffff, 0x00cf92000000ffff\n"
        "tramp_gdtr: .word 23\n .long tramp_gdt - ap_tramp_start + 0x8000\n"
        ".globl ap_tramp_end\n"
        "ap_tramp_end:\n"
        /* user code: rdi += 1, syscall 7, forever */
        ".text\n"
        ".globl smp_user\n"
        "smp_user:\n"
        "  add $1, %rdi\n  mov $7, %eax\n  syscall\n  jmp smp_user\n");
/* clang-format on */
void smp_user(void);

struct percpu {
    struct kk_trap_cpu cpu; /* first: %gs:0 is its address */
    struct kk_user_context uc;
    uint64_t index;
    volatile uint64_t timers, syscalls, bad, done;
    _Alignas(16) uint8_t trap_stack[4096];
    _Alignas(16) uint8_t ist_stack[4096];
};
static struct percpu pcpu[2];
static _Alignas(4096) uint64_t lapic_pd[512];
static _Alignas(16) uint8_t ap_stack[16384];
static volatile uint32_t smp_arrived;

static volatile uint32_t *lapic(unsigned reg)
{
    return (volatile uint32_t *)(LAPIC_BASE + reg);
}

static struct percpu *smp_self(void)
{
    struct percpu *p;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(p));
    return p;
}

static void smp_handler(struct kk_trapframe *tf, void *ctx)
{
    struct percpu *p = smp_self();
    if (ctx != p || tf->vector != TIMER_VEC)
        p->bad = tf->vector | 0x1000;
    p->timers++;
    *lapic(LAPIC_EOI) = 0;
}

static void smp_body(struct percpu *p)
{
    struct kk_trap_config cfg = {
        .size = sizeof(cfg),
        .cpu = &p->cpu,
        .handler = smp_handler,
        .ctx = p,
        .trap_stack_top = (uint64_t)(uintptr_t)(p->trap_stack + sizeof(p->trap_stack)),
        .ist_stack_top = (uint64_t)(uintptr_t)(p->ist_stack + sizeof(p->ist_stack)),
    };
    CHECK_EQ(kk_trap_init(&cfg), 0);
    if (smp_self() != p)
        p->bad = __LINE__;
    __atomic_fetch_add(&smp_arrived, 1u, __ATOMIC_ACQ_REL);
    for (unsigned long i = 0; __atomic_load_n(&smp_arrived, __ATOMIC_ACQUIRE) < 2; i++)
        if (i > 2000000000ul)
            fail_at(__LINE__, "the other CPU never arrived, index", p->index);
    /* Its own local APIC timer interrupt, in kernel mode. */
    *lapic(LAPIC_SVR) = 0x1ff;
    *lapic(LAPIC_TDCR) = 0xb; /* divide by 1 */
    *lapic(LAPIC_TIMER) = TIMER_VEC;
    *lapic(LAPIC_TICR) = 100000;
    __asm__ volatile("sti");
    for (unsigned long i = 0; p->timers == 0 && i < 1000000000ul; i++)
        __asm__ volatile("pause");
    __asm__ volatile("cli");
    /* User syscalls carrying a per-CPU tag. */
    p->uc.rip = (uint64_t)(uintptr_t)smp_user;
    p->uc.rdi = (p->index + 1) << 40;
    for (unsigned r = 0; r < SMP_ROUNDS; r++) {
        uint64_t want = p->uc.rdi + 1;
        CHECK_EQ(kk_uctx_run(&p->uc), 0);
        if (!kk_uctx_is_syscall(&p->uc) || kk_uctx_syscall_nr(&p->uc) != 7 ||
            kk_uctx_arg(&p->uc, 0) != want || smp_self() != p)
            p->bad = __LINE__;
        p->syscalls++;
    }
    __atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
}

void ap_main(void)
{
    smp_body(&pcpu[1]);
    for (;;)
        __asm__ volatile("cli; hlt");
}

static void delay(unsigned long n)
{
    for (volatile unsigned long i = 0; i < n; i++)
        ;
}

static void smp_tests(void)
{
    outb(0x21, 0xff); /* PIT off: the local APIC timers take over */
    lapic_pd[(LAPIC_BASE >> 21) & 511] = LAPIC_BASE | 0x9b; /* P RW PWT PCD PS */
    boot_pdpt[3] = (uint64_t)(uintptr_t)lapic_pd | 3;
    __asm__ volatile("mov %%cr3, %%rax\n\tmov %%rax, %%cr3" : : : "rax", "memory");
    memcpy((void *)TRAMPOLINE, (const void *)ap_tramp_start,
           (size_t)((uintptr_t)ap_tramp_end - (uintptr_t)ap_tramp_start));
    ap_stack_ptr = (uint64_t)(uintptr_t)(ap_stack + sizeof(ap_stack));
    pcpu[0].index = 0;
    pcpu[1].index = 1;
    *lapic(LAPIC_SVR) = 0x1ff;
    *lapic(LAPIC_ICRLO) = 0xc4500; /* INIT to all but self */
    delay(1000000);
    for (unsigned i = 0; i < 2; i++) {
        *lapic(LAPIC_ICRLO) = 0xc4600 | (TRAMPOLINE >> 12); /* SIPI */
        delay(100000);
    }
    smp_body(&pcpu[0]);
    for (unsigned long i = 0; !pcpu[1].done; i++)
        if (i > 2000000000ul)
            fail_at(__LINE__, "the second CPU never finished, arrived", smp_arrived);
    for (unsigned i = 0; i < 2; i++) {
        CHECK_EQ(pcpu[i].bad, 0);
        CHECK(pcpu[i].timers >= 1);
        CHECK_EQ(pcpu[i].syscalls, SMP_ROUNDS);
    }
    CHECK(pcpu[0].cpu.self == &pcpu[0].cpu && pcpu[1].cpu.self == &pcpu[1].cpu);
    puts_("trapframe-x86_64: 2 CPUs, own blocks: LAPIC timer + 200 user syscalls each, "
          "no cross-talk ok\n");
}

void kk_qemu_x86_main(void)
{
    install(0);
    pic_pit_init();
    kernel_traps();
    user_tests((cpu.flags & KK_X86_CPU_FSGSBASE) ? "FSGSBASE" : "MSR");
    install(KK_X86_TRAP_NO_FSGSBASE);
    CHECK_EQ(cpu.flags & KK_X86_CPU_FSGSBASE, 0);
    user_tests("MSR");
    threads();
    fpu_tests();
    smp_tests();
    puts_("KK-QEMU-PASS\n");
    finish(0x10);
}
