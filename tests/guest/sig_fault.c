/* Synchronous faults and default actions. Handled faults report the signal, si_code, si_addr
 * and the faulting RIP, trap number and page-fault error code in the ucontext: SIGSEGV for
 * unmapped (SEGV_MAPERR), read-only, PROT_NONE and non-executable pages (SEGV_ACCERR) and for a
 * non-canonical address (SI_KERNEL, no address); SIGILL for ud2 (ILL_ILLOPN); SIGFPE for an
 * integer division by zero and for INT_MIN / -1 (both FPE_INTDIV); SIGTRAP for int3 (SI_KERNEL,
 * RIP after it); SIGBUS past the end of a mapped file (BUS_ADRERR). A handler can resume after
 * the fault by moving RIP or leave with siglongjmp. A fault goes to the faulting thread only.
 * A fault whose signal is blocked or ignored, or one inside its own handler, kills the process.
 * Children show each default action through their status: terminate, terminate with a core
 * (WCOREDUMP false with RLIMIT_CORE at 0), ignore. */
#define _GNU_SOURCE
#include "proc.h"

#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <sys/resource.h>
#include <ucontext.h>

/* Fault sites with known addresses. */
__asm__(".text\n"
        ".globl do_ud2\n.type do_ud2, @function\n"
        "do_ud2:\n"
        ".globl ud2_site\nud2_site:\n"
        "\tud2\n"
        "\tret\n"
        ".globl do_int3\n.type do_int3, @function\n"
        "do_int3:\n"
        "\tint3\n"
        ".globl int3_after\nint3_after:\n"
        "\tret\n"
        ".globl do_divide\n.type do_divide, @function\n"
        "do_divide:\n"
        "\tmov %edi, %eax\n"
        "\tcltd\n"
        ".globl divide_site\ndivide_site:\n"
        "\tidivl %esi\n"
        "\tret\n"
        ".globl read_at\n.type read_at, @function\n"
        "read_at:\n"
        ".globl read_site\nread_site:\n"
        "\tmov (%rdi), %rax\n"
        "\tret\n"
        ".globl write_at\n.type write_at, @function\n"
        "write_at:\n"
        ".globl write_site\nwrite_site:\n"
        "\tmovq $1, (%rdi)\n"
        "\tret\n");
void do_ud2(void);
void do_int3(void);
int do_divide(int dividend, int divisor);
long read_at(const void *address);
void write_at(void *address);
extern char ud2_site[], int3_after[], divide_site[], read_site[], write_site[];

#define PAGE 4096

static sigjmp_buf fault_jump;
static volatile int fault_count, fault_signo, fault_code, fault_tid, fault_resume, fault_blocked;
static void *volatile fault_address;
static volatile greg_t fault_rip, fault_trapno, fault_error;

static void fault_handler(int signo, siginfo_t *info, void *vcontext)
{
    ucontext_t *uc = vcontext;
    ++fault_count;
    fault_signo = signo;
    fault_code = info->si_code;
    fault_address = info->si_addr;
    fault_tid = (int)syscall(SYS_gettid);
    fault_rip = uc->uc_mcontext.gregs[REG_RIP];
    fault_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
    fault_error = uc->uc_mcontext.gregs[REG_ERR];
    sigset_t mask;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    fault_blocked = sigismember(&mask, signo);
    if (fault_resume >= 0) {
        uc->uc_mcontext.gregs[REG_RIP] += fault_resume; /* past the faulting instruction */
        return;
    }
    siglongjmp(fault_jump, 1);
}

/* Runs statement, which must fault; the handler jumps back here. */
#define EXPECT_FAULT(statement)                   \
    do {                                          \
        fault_signo = 0;                          \
        fault_resume = -1;                        \
        if (sigsetjmp(fault_jump, 1) == 0) {      \
            statement;                            \
            CHECK(!"no fault: " #statement);      \
        }                                         \
    } while (0)

static void install(int signo, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fault_handler;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(signo, &sa, NULL));
}

/* --- A fault in a thread ---------------------------------------------------------------------- */

static volatile int thread_tid;

static void *faulting_thread(void *arg)
{
    thread_tid = (int)syscall(SYS_gettid);
    EXPECT_FAULT(read_at(arg));
    return NULL;
}

/* --- Children -------------------------------------------------------------------------------- */

static volatile int *child_ready;
static int core_to_pipe; /* the host pipes core dumps to a program, which ignores RLIMIT_CORE */

static void no_core(void)
{
    struct rlimit limit = { 0, 0 };
    CHECK_OK(setrlimit(RLIMIT_CORE, &limit));
}

static void default_dispositions(void)
{
    for (int signo = 1; signo < _NSIG; ++signo)
        if (signo != SIGKILL && signo != SIGSTOP)
            signal(signo, SIG_DFL); /* (musl refuses its reserved signals) */
}

/* A child that sets RLIMIT_CORE to 0, then waits to be signalled; returns its status. */
static int status_after(int signo)
{
    *child_ready = 0;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        no_core();
        default_dispositions();
        *child_ready = 1;
        WAIT_UNTIL(*child_ready == 2, 20000);
        getppid(); /* anything pending is handled on the way back */
        _exit(0);
    }
    WAIT_UNTIL(*child_ready == 1, 20000);
    CHECK_OK(kill(pid, signo));
    *child_ready = 2;
    return WAIT_FOR(pid);
}

static void check_terminates(int signo)
{
    int status = status_after(signo);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != signo)
        fprintf(stderr, "signal %d:\n", signo);
    CHECK_SIGNALED(status, signo);
    if (!core_to_pipe)
        CHECK(!WCOREDUMP(status));
}

static void refault_handler(int signo)
{
    (void)signo;
    read_at((void *)8);
}

/* A child that faults in one of the ways below; returns its status. Exit status 20 means a
 * handler ran, 10 that nothing faulted. */
static int fault_in_child(int scenario)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        no_core();
        default_dispositions();
        if (sigsetjmp(fault_jump, 1) != 0)
            _exit(20);
        fault_resume = -1;
        sigset_t segv;
        sigemptyset(&segv);
        sigaddset(&segv, SIGSEGV);
        switch (scenario) {
        case 0: /* default action */
            read_at((void *)8);
            break;
        case 1: /* handled but blocked */
            install(SIGSEGV, 0);
            sigprocmask(SIG_BLOCK, &segv, NULL);
            read_at((void *)8);
            break;
        case 2: /* ignored */
            signal(SIGSEGV, SIG_IGN);
            read_at((void *)8);
            break;
        case 3: /* a handler that faults again, its signal blocked while it runs */
            signal(SIGSEGV, refault_handler);
            read_at((void *)8);
            break;
        case 4:
            do_ud2();
            break;
        case 5:
            do_divide(1, 0);
            break;
        case 6:
            do_int3();
            break;
        case 7:
            abort();
        }
        _exit(10);
    }
    return WAIT_FOR(pid);
}

/* SIGBUS: a shared file mapping's page past the end of the file (`sig_fault sigbus`, a test of
 * its own: it needs writable shared file mappings). */
static int check_sigbus(void)
{
    char scratch[64];
    make_scratch_directory(scratch, sizeof scratch, "sig_fault");
    install(SIGBUS, 0);
    char path[128];
    snprintf(path, sizeof path, "%s/file", scratch);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    CHECK_OK(ftruncate(fd, PAGE));
    char *mapped = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(mapped != MAP_FAILED);
    CHECK(read_at(mapped + PAGE - 8) == 0);
    EXPECT_FAULT(read_at(mapped + PAGE + 8));
    CHECK(fault_signo == SIGBUS && fault_code == BUS_ADRERR && fault_address == mapped + PAGE + 8);
    munmap(mapped, 2 * PAGE);
    close(fd);
    remove_scratch_directory(scratch);
    return check_passed("sig_fault");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "sigbus"))
        return check_sigbus();
    char scratch[64];
    make_scratch_directory(scratch, sizeof scratch, "sig_fault");
    char core_pattern[256];
    if (file_exists("/proc/sys/kernel/core_pattern")) {
        read_file("/proc/sys/kernel/core_pattern", core_pattern, sizeof core_pattern);
        core_to_pipe = core_pattern[0] == '|';
    }
    pid_t main_tid = gettid();
    install(SIGSEGV, 0);
    install(SIGILL, 0);
    install(SIGFPE, 0);
    install(SIGTRAP, 0);
    install(SIGBUS, 0);

    /* SIGSEGV: unmapped, read-only and PROT_NONE pages, address 0's page, a non-canonical
     * address. */
    char *pages = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(pages != MAP_FAILED);
    CHECK_OK(munmap(pages + 2 * PAGE, PAGE));
    EXPECT_FAULT(read_at(pages + 2 * PAGE + 24));
    CHECK(fault_signo == SIGSEGV && fault_code == SEGV_MAPERR && fault_address == pages + 2 * PAGE + 24);
    CHECK(fault_rip == (greg_t)(uintptr_t)read_site && fault_tid == main_tid);
    CHECK(fault_trapno == 14 && !(fault_error & 2) && (fault_error & 4));
    CHECK(fault_blocked);
    CHECK_OK(mprotect(pages, PAGE, PROT_READ));
    EXPECT_FAULT(write_at(pages + 40));
    CHECK(fault_signo == SIGSEGV && fault_code == SEGV_ACCERR && fault_address == pages + 40);
    CHECK(fault_rip == (greg_t)(uintptr_t)write_site);
    CHECK(fault_trapno == 14 && (fault_error & 2) && (fault_error & 4));
    CHECK(read_at(pages + 40) == 0); /* reading it is fine */
    CHECK_OK(mprotect(pages + PAGE, PAGE, PROT_NONE));
    EXPECT_FAULT(read_at(pages + PAGE));
    CHECK(fault_signo == SIGSEGV && fault_code == SEGV_ACCERR && fault_address == pages + PAGE);
    EXPECT_FAULT(read_at((void *)16));
    CHECK(fault_signo == SIGSEGV && fault_code == SEGV_MAPERR && fault_address == (void *)16);
    EXPECT_FAULT(read_at((void *)0x8000000000000000UL)); /* #GP, not a page fault */
    CHECK(fault_signo == SIGSEGV && fault_code == SI_KERNEL && fault_address == NULL);
    CHECK(fault_trapno == 13 && fault_rip == (greg_t)(uintptr_t)read_site);

    /* SIGILL, SIGFPE, SIGTRAP. */
    EXPECT_FAULT(do_ud2());
    CHECK(fault_signo == SIGILL && fault_code == ILL_ILLOPN && fault_address == ud2_site);
    CHECK(fault_rip == (greg_t)(uintptr_t)ud2_site && fault_trapno == 6);
    EXPECT_FAULT(do_divide(1, 0));
    CHECK(fault_signo == SIGFPE && fault_code == FPE_INTDIV && fault_address == divide_site);
    CHECK(fault_rip == (greg_t)(uintptr_t)divide_site && fault_trapno == 0);
    EXPECT_FAULT(do_divide(INT_MIN, -1));
    CHECK(fault_signo == SIGFPE && fault_code == FPE_INTDIV && fault_address == divide_site);
    CHECK(do_divide(-7, 2) == -3);
    fault_count = 0;
    fault_resume = 0;
    do_int3(); /* the handler returns: execution goes on after the int3 */
    CHECK(fault_count == 1 && fault_signo == SIGTRAP && fault_code == SI_KERNEL);
    CHECK(fault_rip == (greg_t)(uintptr_t)int3_after && fault_trapno == 3);

    /* Resuming after the faulting instruction by moving RIP past it. */
    fault_count = 0;
    fault_resume = 2; /* ud2 is two bytes */
    do_ud2();
    CHECK(fault_count == 1 && fault_signo == SIGILL);
    fault_resume = 3; /* mov (%rdi), %rax */
    read_at(pages + 2 * PAGE);
    CHECK(fault_count == 2 && fault_signo == SIGSEGV);

    /* A fault in a thread goes to that thread. */
    fault_signo = 0;
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, faulting_thread, pages + 2 * PAGE) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(fault_signo == SIGSEGV && fault_tid == thread_tid && thread_tid != main_tid);
    sigset_t pending;
    CHECK_OK(sigpending(&pending));
    CHECK(!sigismember(&pending, SIGSEGV));

    /* Executing a page without PROT_EXEC (filled with ret instructions). */
    unsigned char *data = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(data != MAP_FAILED);
    memset(data, 0xc3, PAGE);
    EXPECT_FAULT(((void (*)(void))data)());
    CHECK(fault_signo == SIGSEGV && fault_code == SEGV_ACCERR && fault_address == data);
    CHECK(fault_rip == (greg_t)(uintptr_t)data && (fault_error & 16));
    munmap(data, PAGE);
    munmap(pages, 2 * PAGE);

    /* Default actions, in children. */
    child_ready = shared_memory(sizeof *child_ready);
    int terminating[] = { SIGHUP, SIGINT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGIO, SIGPROF,
        SIGVTALRM, SIGSTKFLT, SIGPWR, SIGKILL, SIGRTMIN, SIGRTMIN + 5, SIGRTMAX };
    for (size_t i = 0; i < sizeof terminating / sizeof terminating[0]; ++i)
        check_terminates(terminating[i]);
    int dumping[] = { SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS };
    for (size_t i = 0; i < sizeof dumping / sizeof dumping[0]; ++i)
        check_terminates(dumping[i]);
    int ignored[] = { SIGCHLD, SIGURG, SIGWINCH, SIGCONT };
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; ++i)
        CHECK_EXITED(status_after(ignored[i]), 0);

    /* Unhandled faults kill with their signal; a handled fault's signal that is blocked or
     * ignored kills too, as does a second fault inside the handler. */
    int status = fault_in_child(0);
    CHECK_SIGNALED(status, SIGSEGV);
    status = fault_in_child(1);
    CHECK_SIGNALED(status, SIGSEGV);
    status = fault_in_child(2);
    CHECK_SIGNALED(status, SIGSEGV);
    status = fault_in_child(3);
    CHECK_SIGNALED(status, SIGSEGV);
    CHECK_SIGNALED(fault_in_child(4), SIGILL);
    CHECK_SIGNALED(fault_in_child(5), SIGFPE);
    CHECK_SIGNALED(fault_in_child(6), SIGTRAP);
    CHECK_SIGNALED(fault_in_child(7), SIGABRT);

    remove_scratch_directory(scratch);

    return check_passed("sig_fault");
}
