/* Running handlers: the siginfo of kill and tkill, the frame (return address = sa_restorer, a
 * 16-byte aligned stack, the red zone left alone), the ucontext (RIP, RSP, RAX and the other
 * registers of the interrupted code, uc_sigmask = the mask before the handler) and writing to
 * it (registers and mask take effect at sigreturn), SA_NODEFER re-entry against deferral,
 * SA_RESETHAND, the alternate stack (SA_ONSTACK, SS_ONSTACK, nesting on it, EPERM while on it,
 * SS_AUTODISARM, ENOMEM and EINVAL), siglongjmp out of a handler with and without the saved
 * mask, the SSE, AVX, MXCSR and x87 control state kept across a handler that changes them
 * (which itself starts with the default MXCSR), and sigqueue's value. */
#define _GNU_SOURCE
#include "check.h"

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask;
};

static void install(int signo, void (*action)(int, siginfo_t *, void *), int flags, const sigset_t *mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = action;
    sa.sa_flags = SA_SIGINFO | flags;
    if (mask)
        sa.sa_mask = *mask;
    else
        sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(signo, &sa, NULL));
}

static sigset_t current_mask(void)
{
    sigset_t set;
    CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &set));
    return set;
}

static void set_mask(int a, int b)
{
    sigset_t set;
    sigemptyset(&set);
    if (a)
        sigaddset(&set, a);
    if (b)
        sigaddset(&set, b);
    CHECK_OK(sigprocmask(SIG_SETMASK, &set, NULL));
}

/* Signals 1..64 only: the kernel's part of a sigset_t (uc_sigmask holds no more). */
static int count_members(const sigset_t *set)
{
    int count = 0;
    for (int signo = 1; signo <= 64; ++signo)
        count += sigismember(set, signo) == 1;
    return count;
}

/* --- siginfo and the frame ------------------------------------------------------------------- */

static volatile int info_count, info_signo, info_code, info_pid, info_uid, info_errno, info_value;
static void *volatile info_return;
static volatile int info_aligned;

static void info_handler(int signo, siginfo_t *info, void *context)
{
    (void)context;
    __attribute__((aligned(16))) volatile char probe[16];
    probe[0] = 0;
    info_aligned = ((uintptr_t)probe & 15) == 0;
    info_return = __builtin_return_address(0);
    info_signo = signo == info->si_signo ? signo : -1;
    info_code = info->si_code;
    info_pid = info->si_pid;
    info_uid = (int)info->si_uid;
    info_errno = info->si_errno;
    info_value = info->si_value.sival_int;
    ++info_count;
}

/* --- ucontext --------------------------------------------------------------------------------- */

#define MAGIC_R8 0x0808080808080808L
#define MAGIC_R9 0x0909090909090909L
#define MAGIC_R10 0x1010101010101010L
#define MAGIC_RED 0x5a5a5a5a5a5a5a5aL

extern char after_kill_syscall[];

/* kill(pid, signo) through a syscall instruction whose return address is after_kill_syscall,
 * with known values in r8, r9 and r10 and in the red zone below the stack pointer. save[0]
 * gets the stack pointer at the syscall, save[1..2] the red zone words read back after it;
 * registers[0..2] r8, r9 and r10 after it. */
__attribute__((noinline, noclone)) static long marked_kill(long pid, long signo, unsigned long *save, long *registers)
{
    register long r8 __asm__("r8") = MAGIC_R8;
    register long r9 __asm__("r9") = MAGIC_R9;
    register long r10 __asm__("r10") = MAGIC_R10;
    long result;
    __asm__ volatile("sub $256, %%rsp\n\t" /* keep clear of the compiler's own red zone */
                     "mov %%rsp, 0(%[save])\n\t"
                     "movq %[red], -8(%%rsp)\n\t"
                     "movq %[red], -128(%%rsp)\n\t"
                     "syscall\n"
                     ".globl after_kill_syscall\n"
                     "after_kill_syscall:\n\t"
                     "mov -8(%%rsp), %%rcx\n\t"
                     "mov %%rcx, 8(%[save])\n\t"
                     "mov -128(%%rsp), %%rcx\n\t"
                     "mov %%rcx, 16(%[save])\n\t"
                     "add $256, %%rsp"
                     : "=a"(result), "+r"(r8), "+r"(r9), "+r"(r10)
                     : "0"((long)SYS_kill), "D"(pid), "S"(signo), [save] "r"(save), [red] "r"(MAGIC_RED)
                     : "rcx", "r11", "memory");
    registers[0] = r8;
    registers[1] = r9;
    registers[2] = r10;
    return result;
}

static volatile int context_rewrite;
static greg_t context_rip, context_rsp, context_rax, context_r8, context_r9, context_r10;
static sigset_t context_uc_mask, context_mask;
static volatile int context_fpregs;

static void context_handler(int signo, siginfo_t *info, void *vcontext)
{
    (void)signo;
    (void)info;
    ucontext_t *uc = vcontext;
    context_rip = uc->uc_mcontext.gregs[REG_RIP];
    context_rsp = uc->uc_mcontext.gregs[REG_RSP];
    context_rax = uc->uc_mcontext.gregs[REG_RAX];
    context_r8 = uc->uc_mcontext.gregs[REG_R8];
    context_r9 = uc->uc_mcontext.gregs[REG_R9];
    context_r10 = uc->uc_mcontext.gregs[REG_R10];
    context_fpregs = uc->uc_mcontext.fpregs != NULL;
    sigemptyset(&context_uc_mask);
    for (int s = 1; s <= 64; ++s)
        if (sigismember(&uc->uc_sigmask, s) == 1)
            sigaddset(&context_uc_mask, s);
    context_mask = current_mask();
    if (context_rewrite) {
        uc->uc_mcontext.gregs[REG_RAX] = 4242;
        uc->uc_mcontext.gregs[REG_R9] = 99;
        sigaddset(&uc->uc_sigmask, SIGWINCH);
    }
}

/* --- SA_NODEFER and SA_RESETHAND ------------------------------------------------------------- */

static volatile int nest_calls, nest_depth, nest_max;

static void nesting_handler(int signo, siginfo_t *info, void *context)
{
    (void)info;
    (void)context;
    ++nest_calls;
    if (++nest_depth > nest_max)
        nest_max = nest_depth;
    if (nest_calls == 1)
        syscall(SYS_tkill, (int)syscall(SYS_gettid), signo);
    --nest_depth;
}

static volatile int reset_count, reset_blocked;

static void reset_handler(int signo, siginfo_t *info, void *context)
{
    (void)info;
    (void)context;
    ++reset_count;
    sigset_t mask = current_mask();
    reset_blocked = sigismember(&mask, signo);
}

/* --- The alternate stack --------------------------------------------------------------------- */

static char alternate[65536] __attribute__((aligned(64)));
static char other_alternate[65536] __attribute__((aligned(64)));

static int on_alternate(const volatile void *address)
{
    return (const char *)address >= alternate && (const char *)address < alternate + sizeof alternate;
}

static uintptr_t outer_local, inner_local;
static volatile int outer_flags, inner_flags, change_errno, stack_calls;

static void stack_handler(int signo, siginfo_t *info, void *context)
{
    (void)info;
    (void)context;
    volatile char local = 0;
    stack_t current;
    ++stack_calls;
    if (signo == SIGUSR1) {
        outer_local = (uintptr_t)&local;
        sigaltstack(NULL, &current);
        outer_flags = current.ss_flags;
        stack_t other = { .ss_sp = other_alternate, .ss_size = sizeof other_alternate };
        change_errno = sigaltstack(&other, NULL) == -1 ? errno : 0;
        syscall(SYS_tkill, (int)syscall(SYS_gettid), SIGUSR2); /* nested, also SA_ONSTACK */
    } else {
        inner_local = (uintptr_t)&local;
        sigaltstack(NULL, &current);
        inner_flags = current.ss_flags;
    }
}

/* --- siglongjmp ------------------------------------------------------------------------------- */

static sigjmp_buf jump;

static void jumping_handler(int signo, siginfo_t *info, void *context)
{
    (void)signo;
    (void)info;
    (void)context;
    siglongjmp(jump, 1);
}

/* --- FPU and vector state --------------------------------------------------------------------- */

static volatile unsigned handler_mxcsr, handler_fcw;
static volatile int fpu_calls;
static volatile double handler_result;
static int has_avx;

static void fpu_handler(int signo, siginfo_t *info, void *context)
{
    (void)signo;
    (void)info;
    (void)context;
    unsigned mxcsr;
    unsigned short fcw;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(fcw));
    handler_mxcsr = mxcsr;
    handler_fcw = fcw;
    /* Change every vector register and the control state. */
    static const double ones = -1.0;
    __asm__ volatile("movsd %0, %%xmm0\n\tmovsd %0, %%xmm1\n\tmovsd %0, %%xmm2\n\tmovsd %0, %%xmm3\n\t"
                     "movsd %0, %%xmm4\n\tmovsd %0, %%xmm5\n\tmovsd %0, %%xmm6\n\tmovsd %0, %%xmm7\n\t"
                     "movsd %0, %%xmm8\n\tmovsd %0, %%xmm9\n\tmovsd %0, %%xmm10\n\tmovsd %0, %%xmm11\n\t"
                     "movsd %0, %%xmm12\n\tmovsd %0, %%xmm13\n\tmovsd %0, %%xmm14\n\tmovsd %0, %%xmm15"
                     :
                     : "m"(ones)
                     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                     "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    if (has_avx)
        __asm__ volatile("vbroadcastsd %0, %%ymm0\n\tvbroadcastsd %0, %%ymm1\n\tvbroadcastsd %0, %%ymm2\n\t"
                         "vbroadcastsd %0, %%ymm3\n\tvbroadcastsd %0, %%ymm4\n\tvbroadcastsd %0, %%ymm5\n\t"
                         "vbroadcastsd %0, %%ymm6\n\tvbroadcastsd %0, %%ymm7\n\tvbroadcastsd %0, %%ymm8\n\t"
                         "vbroadcastsd %0, %%ymm9\n\tvbroadcastsd %0, %%ymm10\n\tvbroadcastsd %0, %%ymm11\n\t"
                         "vbroadcastsd %0, %%ymm12\n\tvbroadcastsd %0, %%ymm13\n\tvbroadcastsd %0, %%ymm14\n\t"
                         "vbroadcastsd %0, %%ymm15\n\tvzeroupper"
                         :
                         : "m"(ones)
                         : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
                         "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    unsigned toward_zero = 0x7f80;
    unsigned short single_precision = 0x007f;
    __asm__ volatile("ldmxcsr %0" : : "m"(toward_zero));
    __asm__ volatile("fldcw %0" : : "m"(single_precision));
    volatile double x = 1.0;
    for (int i = 0; i < 20; ++i)
        x = x * 1.5 + 0.25;
    handler_result = x;
    ++fpu_calls;
}

static int cpu_has_avx(void)
{
    unsigned eax = 1, ebx, ecx, edx;
    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "2"(0));
    if (!(ecx & (1u << 28)) || !(ecx & (1u << 27)))
        return 0;
    unsigned xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    return (xcr0_low & 6) == 6;
}

/* kill(self, signo) with every xmm register loaded from in[] (16 bytes each), MXCSR rounding
 * toward zero and x87 single precision; afterwards out[] gets the registers and the control
 * words, which are then set back to their defaults. */
static long sse_kill(long signo, const uint64_t *in, uint64_t *out, unsigned *mxcsr, unsigned short *fcw)
{
    unsigned toward_zero = 0x7f80, defaults = 0x1f80;
    unsigned short extended = 0x037f, rounding_up = 0x0b7f;
    long result;
    __asm__ volatile("ldmxcsr %[tz]\n\t"
                     "fldcw %[up]\n\t"
                     "movdqu 0(%[in]), %%xmm0\n\tmovdqu 16(%[in]), %%xmm1\n\tmovdqu 32(%[in]), %%xmm2\n\t"
                     "movdqu 48(%[in]), %%xmm3\n\tmovdqu 64(%[in]), %%xmm4\n\tmovdqu 80(%[in]), %%xmm5\n\t"
                     "movdqu 96(%[in]), %%xmm6\n\tmovdqu 112(%[in]), %%xmm7\n\tmovdqu 128(%[in]), %%xmm8\n\t"
                     "movdqu 144(%[in]), %%xmm9\n\tmovdqu 160(%[in]), %%xmm10\n\tmovdqu 176(%[in]), %%xmm11\n\t"
                     "movdqu 192(%[in]), %%xmm12\n\tmovdqu 208(%[in]), %%xmm13\n\tmovdqu 224(%[in]), %%xmm14\n\t"
                     "movdqu 240(%[in]), %%xmm15\n\t"
                     "syscall\n\t"
                     "movdqu %%xmm0, 0(%[out])\n\tmovdqu %%xmm1, 16(%[out])\n\tmovdqu %%xmm2, 32(%[out])\n\t"
                     "movdqu %%xmm3, 48(%[out])\n\tmovdqu %%xmm4, 64(%[out])\n\tmovdqu %%xmm5, 80(%[out])\n\t"
                     "movdqu %%xmm6, 96(%[out])\n\tmovdqu %%xmm7, 112(%[out])\n\tmovdqu %%xmm8, 128(%[out])\n\t"
                     "movdqu %%xmm9, 144(%[out])\n\tmovdqu %%xmm10, 160(%[out])\n\tmovdqu %%xmm11, 176(%[out])\n\t"
                     "movdqu %%xmm12, 192(%[out])\n\tmovdqu %%xmm13, 208(%[out])\n\tmovdqu %%xmm14, 224(%[out])\n\t"
                     "movdqu %%xmm15, 240(%[out])\n\t"
                     "stmxcsr %[gotcsr]\n\t"
                     "fnstcw %[gotcw]\n\t"
                     "ldmxcsr %[def]\n\t"
                     "fldcw %[ext]"
                     : "=a"(result), [gotcsr] "=m"(*mxcsr), [gotcw] "=m"(*fcw)
                     : "0"((long)SYS_kill), "D"((long)getpid()), "S"(signo), [in] "r"(in), [out] "r"(out),
                     [tz] "m"(toward_zero), [up] "m"(rounding_up), [def] "m"(defaults), [ext] "m"(extended)
                     : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                     "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    return result;
}

/* The same with the 32-byte ymm registers. */
static long avx_kill(long signo, const uint64_t *in, uint64_t *out)
{
    long result;
    __asm__ volatile("vmovdqu 0(%[in]), %%ymm0\n\tvmovdqu 32(%[in]), %%ymm1\n\tvmovdqu 64(%[in]), %%ymm2\n\t"
                     "vmovdqu 96(%[in]), %%ymm3\n\tvmovdqu 128(%[in]), %%ymm4\n\tvmovdqu 160(%[in]), %%ymm5\n\t"
                     "vmovdqu 192(%[in]), %%ymm6\n\tvmovdqu 224(%[in]), %%ymm7\n\tvmovdqu 256(%[in]), %%ymm8\n\t"
                     "vmovdqu 288(%[in]), %%ymm9\n\tvmovdqu 320(%[in]), %%ymm10\n\tvmovdqu 352(%[in]), %%ymm11\n\t"
                     "vmovdqu 384(%[in]), %%ymm12\n\tvmovdqu 416(%[in]), %%ymm13\n\tvmovdqu 448(%[in]), %%ymm14\n\t"
                     "vmovdqu 480(%[in]), %%ymm15\n\t"
                     "syscall\n\t"
                     "vmovdqu %%ymm0, 0(%[out])\n\tvmovdqu %%ymm1, 32(%[out])\n\tvmovdqu %%ymm2, 64(%[out])\n\t"
                     "vmovdqu %%ymm3, 96(%[out])\n\tvmovdqu %%ymm4, 128(%[out])\n\tvmovdqu %%ymm5, 160(%[out])\n\t"
                     "vmovdqu %%ymm6, 192(%[out])\n\tvmovdqu %%ymm7, 224(%[out])\n\tvmovdqu %%ymm8, 256(%[out])\n\t"
                     "vmovdqu %%ymm9, 288(%[out])\n\tvmovdqu %%ymm10, 320(%[out])\n\tvmovdqu %%ymm11, 352(%[out])\n\t"
                     "vmovdqu %%ymm12, 384(%[out])\n\tvmovdqu %%ymm13, 416(%[out])\n\tvmovdqu %%ymm14, 448(%[out])\n\t"
                     "vmovdqu %%ymm15, 480(%[out])\n\t"
                     "vzeroupper"
                     : "=a"(result)
                     : "0"((long)SYS_kill), "D"((long)getpid()), "S"(signo), [in] "r"(in), [out] "r"(out)
                     : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                     "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    return result;
}

static double compute(int steps)
{
    volatile double x = 1.0;
    for (int i = 0; i < steps; ++i)
        x = x * 1.5 + 0.25;
    return x;
}

int main(void)
{
    pid_t self = getpid();
    int tid = (int)syscall(SYS_gettid);

    /* siginfo from kill and tkill; the handler returns into sa_restorer, with an aligned stack. */
    install(SIGUSR1, info_handler, 0, NULL);
    CHECK_OK(kill(self, SIGUSR1));
    CHECK(info_count == 1);
    CHECK(info_signo == SIGUSR1 && info_code == SI_USER && info_pid == self && info_uid == (int)getuid());
    CHECK(info_errno == 0);
    CHECK(info_aligned);
    struct kernel_sigaction raw;
    CHECK_OK(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &raw, 8));
    CHECK((raw.flags & SA_SIGINFO) && raw.restorer != NULL);
    CHECK(info_return == raw.restorer);
    CHECK_OK(syscall(SYS_tkill, tid, SIGUSR1));
    CHECK(info_count == 2 && info_code == SI_TKILL && info_pid == self);

    /* The ucontext describes the interrupted code, here the instruction after a syscall. */
    sigset_t winch;
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    install(SIGUSR1, context_handler, 0, &winch);
    set_mask(SIGUSR2, 0);
    unsigned long save[3];
    long registers[3];
    CHECK(marked_kill(self, SIGUSR1, save, registers) == 0);
    CHECK(context_rip == (greg_t)(uintptr_t)after_kill_syscall);
    CHECK(context_rsp == (greg_t)save[0]);
    CHECK(context_rax == 0);
    CHECK(context_r8 == MAGIC_R8 && context_r9 == MAGIC_R9 && context_r10 == MAGIC_R10);
    CHECK(registers[0] == MAGIC_R8 && registers[1] == MAGIC_R9 && registers[2] == MAGIC_R10);
    CHECK(save[1] == (unsigned long)MAGIC_RED && save[2] == (unsigned long)MAGIC_RED); /* red zone */
    CHECK(context_fpregs);
    CHECK(count_members(&context_uc_mask) == 1 && sigismember(&context_uc_mask, SIGUSR2));
    CHECK(count_members(&context_mask) == 3 && sigismember(&context_mask, SIGUSR1));
    CHECK(sigismember(&context_mask, SIGUSR2) && sigismember(&context_mask, SIGWINCH));
    sigset_t mask = current_mask();
    CHECK(count_members(&mask) == 1 && sigismember(&mask, SIGUSR2));
    /* Registers and mask written into it are what sigreturn restores. */
    context_rewrite = 1;
    CHECK(marked_kill(self, SIGUSR1, save, registers) == 4242);
    CHECK(registers[0] == MAGIC_R8 && registers[1] == 99 && registers[2] == MAGIC_R10);
    mask = current_mask();
    CHECK(count_members(&mask) == 2 && sigismember(&mask, SIGUSR2) && sigismember(&mask, SIGWINCH));
    set_mask(0, 0);

    /* SA_NODEFER: the handler is entered again from inside; without it the second signal waits
     * until the first handler returns. */
    install(SIGUSR1, nesting_handler, SA_NODEFER, NULL);
    CHECK_OK(kill(self, SIGUSR1));
    CHECK(nest_calls == 2 && nest_max == 2);
    nest_calls = nest_max = 0;
    install(SIGUSR1, nesting_handler, 0, NULL);
    CHECK_OK(kill(self, SIGUSR1));
    CHECK(nest_calls == 2 && nest_max == 1);

    /* SA_RESETHAND: one delivery (with the signal blocked as usual), then SIG_DFL; SIGWINCH's
     * default is to ignore it. */
    install(SIGWINCH, reset_handler, SA_RESETHAND, NULL);
    CHECK_OK(kill(self, SIGWINCH));
    CHECK(reset_count == 1 && reset_blocked);
    struct sigaction current;
    CHECK_OK(sigaction(SIGWINCH, NULL, &current));
    CHECK(current.sa_handler == SIG_DFL);
    CHECK_OK(kill(self, SIGWINCH));
    CHECK(reset_count == 1);

    /* The alternate stack. */
    stack_t stack, old;
    CHECK_OK(sigaltstack(NULL, &old));
    CHECK(old.ss_flags == SS_DISABLE);
    stack_t small = { .ss_sp = alternate, .ss_size = 1024 };
    CHECK_ERRNO(sigaltstack(&small, NULL), ENOMEM);
    stack_t bad = { .ss_sp = alternate, .ss_size = sizeof alternate, .ss_flags = 0x1234 };
    CHECK_ERRNO(sigaltstack(&bad, NULL), EINVAL);
    stack = (stack_t){ .ss_sp = alternate, .ss_size = sizeof alternate };
    CHECK_OK(sigaltstack(&stack, &old));
    CHECK(old.ss_flags == SS_DISABLE);
    CHECK_OK(sigaltstack(NULL, &old));
    CHECK(old.ss_sp == alternate && old.ss_size == sizeof alternate && old.ss_flags == 0);
    install(SIGUSR1, stack_handler, SA_ONSTACK, NULL);
    install(SIGUSR2, stack_handler, SA_ONSTACK, NULL);
    CHECK_OK(kill(self, SIGUSR1));
    CHECK(stack_calls == 2);
    CHECK(on_alternate((void *)outer_local) && outer_flags == SS_ONSTACK);
    CHECK(change_errno == EPERM);
    CHECK(on_alternate((void *)inner_local) && inner_local < outer_local && inner_flags == SS_ONSTACK);
    CHECK_OK(sigaltstack(NULL, &old));
    CHECK(old.ss_sp == alternate && old.ss_flags == 0);
    /* A handler without SA_ONSTACK stays on the ordinary stack. */
    install(SIGUSR2, stack_handler, 0, NULL);
    CHECK_OK(kill(self, SIGUSR2));
    CHECK(stack_calls == 3 && !on_alternate((void *)inner_local) && inner_flags == 0);
    /* SS_AUTODISARM: the stack is given up while a handler runs on it, restored after. */
    stack.ss_flags = SS_AUTODISARM;
    CHECK_OK(sigaltstack(&stack, NULL));
    CHECK_OK(sigaltstack(NULL, &old));
    CHECK(old.ss_flags == (int)SS_AUTODISARM);
    install(SIGUSR2, stack_handler, SA_ONSTACK, NULL);
    CHECK_OK(kill(self, SIGUSR2));
    CHECK(stack_calls == 4 && on_alternate((void *)inner_local) && inner_flags == SS_DISABLE);
    CHECK_OK(sigaltstack(NULL, &old));
    CHECK(old.ss_sp == alternate && old.ss_flags == (int)SS_AUTODISARM);
    stack = (stack_t){ .ss_flags = SS_DISABLE };
    CHECK_OK(sigaltstack(&stack, NULL));
    CHECK_OK(sigaltstack(NULL, &old));
    CHECK(old.ss_flags == SS_DISABLE);
    signal(SIGUSR2, SIG_DFL);

    /* siglongjmp out of a handler: with the saved mask the signal is unblocked again; without
     * it the handler's mask stays. */
    install(SIGUSR1, jumping_handler, 0, NULL);
    volatile int jumped = 0;
    if (sigsetjmp(jump, 1) == 0) {
        kill(self, SIGUSR1);
        CHECK(!"the handler returned");
    } else {
        jumped = 1;
    }
    CHECK(jumped == 1);
    mask = current_mask();
    CHECK(count_members(&mask) == 0);
    jumped = 0;
    if (sigsetjmp(jump, 0) == 0) {
        kill(self, SIGUSR1);
        CHECK(!"the handler returned");
    } else {
        jumped = 1;
    }
    CHECK(jumped == 1);
    mask = current_mask();
    CHECK(count_members(&mask) == 1 && sigismember(&mask, SIGUSR1));
    set_mask(0, 0);

    /* SSE registers, MXCSR and the x87 control word are the interrupted code's again after a
     * handler that changed them all; the handler starts from the default MXCSR and control word. */
    has_avx = cpu_has_avx();
    install(SIGUSR1, fpu_handler, 0, NULL);
    uint64_t in[64], out[64];
    for (int i = 0; i < 64; ++i)
        in[i] = 0x0123456789abcdefULL * (uint64_t)(i + 1);
    memset(out, 0, sizeof out);
    unsigned mxcsr = 0;
    unsigned short fcw = 0;
    CHECK(sse_kill(SIGUSR1, in, out, &mxcsr, &fcw) == 0);
    CHECK(fpu_calls == 1);
    CHECK(memcmp(in, out, 256) == 0);
    CHECK((mxcsr & 0xffc0) == 0x7f80);
    CHECK(fcw == 0x0b7f);
    CHECK(handler_mxcsr == 0x1f80 && handler_fcw == 0x037f);
    CHECK(handler_result == compute(20));
    if (has_avx) {
        memset(out, 0, sizeof out);
        CHECK(avx_kill(SIGUSR1, in, out) == 0);
        CHECK(fpu_calls == 2);
        CHECK(memcmp(in, out, 512) == 0);
    }
    /* Ordinary floating-point code around a signal. */
    volatile double before = compute(10);
    CHECK_OK(kill(self, SIGUSR1));
    volatile double after = compute(10);
    CHECK(before == after && before > 1.0);

    /* sigqueue's value and code. */
    install(SIGUSR1, info_handler, 0, NULL);
    info_count = 0;
    CHECK_OK(sigqueue(self, SIGUSR1, (union sigval){ .sival_int = 31337 }));
    CHECK(info_count == 1);
    CHECK(info_code == SI_QUEUE && info_value == 31337 && info_pid == self && info_uid == (int)getuid());

    return check_passed("sig_handler");
}
