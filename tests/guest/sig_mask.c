/* The signal mask and the pending set: rt_sigprocmask's three operations and the old set it
 * returns (read before the change, `how` ignored without a new set), SIGKILL and SIGSTOP never
 * blocked, a pending signal delivered before the unblocking call returns, the mask inside a
 * handler (old mask, sa_mask and the signal) and after it (restored from the frame, whatever
 * the handler did with sigprocmask), a blocked signal staying pending even when its
 * disposition ignores it, a disposition that ignores it (SIG_IGN, or SIG_DFL for a signal
 * ignored by default) discarding it, rt_sigpending's size rule.
 *
 * `sig_mask exec` then execs itself: the new image keeps the mask, the pending signals and
 * ignored dispositions, has its handlers reset to SIG_DFL and no alternate stack. */
#define _GNU_SOURCE
#include "check.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SIGSET_SIZE 8 /* the kernel's sigset_t */

static sigset_t set_of(int a, int b)
{
    sigset_t set;
    sigemptyset(&set);
    if (a)
        sigaddset(&set, a);
    if (b)
        sigaddset(&set, b);
    return set;
}

static sigset_t current_mask(void)
{
    sigset_t set;
    CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &set));
    return set;
}

static int is_pending(int signo)
{
    sigset_t set;
    CHECK_OK(sigpending(&set));
    return sigismember(&set, signo);
}

static int count_members(const sigset_t *set)
{
    int count = 0;
    for (int signo = 1; signo < _NSIG; ++signo)
        count += sigismember(set, signo) == 1;
    return count;
}

static int mask_size(void)
{
    sigset_t set = current_mask();
    return count_members(&set);
}

static volatile int usr1_count, usr2_count;
static sigset_t mask_in_handler;

static void usr1_handler(int signo)
{
    (void)signo;
    ++usr1_count;
    mask_in_handler = current_mask();
}

static void usr2_handler(int signo)
{
    (void)signo;
    ++usr2_count;
    /* Changes to the mask made here end with the handler. */
    sigset_t hup = set_of(SIGHUP, 0);
    sigprocmask(SIG_BLOCK, &hup, NULL);
    sigset_t usr1 = set_of(SIGUSR1, 0);
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
}

static void install(int signo, void (*handler)(int), sigset_t mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_mask = mask;
    CHECK_OK(sigaction(signo, &sa, NULL));
}

static int after_exec(void)
{
    sigset_t mask = current_mask();
    CHECK(sigismember(&mask, SIGUSR1) && sigismember(&mask, SIGRTMIN));
    CHECK(!sigismember(&mask, SIGUSR2));
    CHECK(is_pending(SIGUSR1) && is_pending(SIGRTMIN));
    struct sigaction sa;
    CHECK_OK(sigaction(SIGUSR1, NULL, &sa));
    CHECK(sa.sa_handler == SIG_DFL);
    CHECK_OK(sigaction(SIGUSR2, NULL, &sa));
    CHECK(sa.sa_handler == SIG_IGN);
    stack_t stack;
    CHECK_OK(sigaltstack(NULL, &stack));
    CHECK(stack.ss_flags == SS_DISABLE);
    /* The pending signals are delivered once there is a handler and they are unblocked. */
    install(SIGUSR1, usr1_handler, set_of(0, 0));
    install(SIGRTMIN, usr1_handler, set_of(0, 0));
    usr1_count = 0;
    sigset_t both = set_of(SIGUSR1, SIGRTMIN);
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &both, NULL));
    CHECK(usr1_count == 2);
    return check_passed("sig_mask");
}

static void exec_self(const char *self)
{
    install(SIGUSR1, usr1_handler, set_of(0, 0));
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
    static char alternate[65536];
    stack_t stack = { .ss_sp = alternate, .ss_size = sizeof alternate, .ss_flags = 0 };
    CHECK_OK(sigaltstack(&stack, NULL));
    sigset_t both = set_of(SIGUSR1, SIGRTMIN);
    CHECK_OK(sigprocmask(SIG_SETMASK, &both, NULL));
    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK_OK(kill(getpid(), SIGRTMIN));
    char *arguments[] = { (char *)self, "after-exec", NULL };
    char *environment[] = { NULL };
    execve(self, arguments, environment);
    check_failed(__FILE__, __LINE__, "execve", errno);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0)
        return after_exec();

    sigset_t empty = set_of(0, 0), old, got;
    CHECK_OK(sigprocmask(SIG_SETMASK, &empty, NULL));
    CHECK(mask_size() == 0);

    /* SIG_BLOCK adds, SIG_UNBLOCK removes, SIG_SETMASK replaces; the old set is the mask
     * before the change. */
    sigset_t usr1 = set_of(SIGUSR1, 0), usr2 = set_of(SIGUSR2, 0), hup_usr2 = set_of(SIGHUP, SIGUSR2);
    CHECK_OK(sigprocmask(SIG_BLOCK, &usr1, &old));
    CHECK(count_members(&old) == 0);
    CHECK_OK(sigprocmask(SIG_BLOCK, &usr2, &old));
    CHECK(count_members(&old) == 1 && sigismember(&old, SIGUSR1));
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &usr1, &old));
    CHECK(count_members(&old) == 2);
    got = current_mask();
    CHECK(count_members(&got) == 1 && sigismember(&got, SIGUSR2));
    CHECK_OK(sigprocmask(SIG_SETMASK, &hup_usr2, &old));
    CHECK(count_members(&old) == 1 && sigismember(&old, SIGUSR2));
    got = current_mask();
    CHECK(count_members(&got) == 2 && sigismember(&got, SIGHUP) && sigismember(&got, SIGUSR2));
    /* Unblocking what is not blocked is no error. */
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &usr1, NULL));
    CHECK(mask_size() == 2);

    /* Without a new set, `how` is not looked at; with one, a bad `how` changes nothing. */
    CHECK_OK(syscall(SYS_rt_sigprocmask, 42, NULL, &old, SIGSET_SIZE));
    CHECK(count_members(&old) == 2);
    CHECK_ERRNO(syscall(SYS_rt_sigprocmask, 42, &usr1, &old, SIGSET_SIZE), EINVAL);
    CHECK(mask_size() == 2);
    CHECK_ERRNO(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &usr1, NULL, SIGSET_SIZE * 2), EINVAL);

    /* SIGKILL and SIGSTOP are dropped from any new mask. */
    sigset_t all;
    sigfillset(&all);
    CHECK_OK(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, SIGSET_SIZE));
    got = current_mask();
    CHECK(!sigismember(&got, SIGKILL) && !sigismember(&got, SIGSTOP));
    CHECK(sigismember(&got, SIGTERM) && sigismember(&got, SIGSEGV) && sigismember(&got, SIGRTMAX));
    CHECK(sigismember(&got, SIGCONT) && sigismember(&got, SIGTSTP));
    CHECK_OK(sigprocmask(SIG_SETMASK, &empty, NULL));

    /* A blocked signal stays pending; unblocking delivers it before sigprocmask returns, with
     * the mask in the handler being the mask before delivery plus sa_mask and the signal. */
    install(SIGUSR1, usr1_handler, set_of(SIGWINCH, 0));
    CHECK_OK(sigprocmask(SIG_BLOCK, &hup_usr2, NULL));
    CHECK_OK(sigprocmask(SIG_BLOCK, &usr1, NULL));
    usr1_count = 0;
    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK(usr1_count == 0 && is_pending(SIGUSR1));
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &usr1, NULL));
    CHECK(usr1_count == 1 && !is_pending(SIGUSR1));
    CHECK(count_members(&mask_in_handler) == 4);
    CHECK(sigismember(&mask_in_handler, SIGHUP) && sigismember(&mask_in_handler, SIGUSR2));
    CHECK(sigismember(&mask_in_handler, SIGUSR1) && sigismember(&mask_in_handler, SIGWINCH));
    got = current_mask();
    CHECK(count_members(&got) == 2 && sigismember(&got, SIGHUP) && sigismember(&got, SIGUSR2));

    /* What a handler does with sigprocmask is undone when it returns. */
    CHECK_OK(sigprocmask(SIG_SETMASK, &usr1, NULL));
    install(SIGUSR2, usr2_handler, set_of(0, 0));
    usr2_count = 0;
    CHECK_OK(kill(getpid(), SIGUSR2));
    CHECK(usr2_count == 1);
    got = current_mask();
    CHECK(count_members(&got) == 1 && sigismember(&got, SIGUSR1));
    CHECK_OK(sigprocmask(SIG_SETMASK, &empty, NULL));

    /* Blocked signals are never ignored at sending: SIG_IGN and default-ignored ones stay
     * pending; unblocked while still ignored, they are discarded. */
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
    CHECK(signal(SIGURG, SIG_DFL) != SIG_ERR);
    sigset_t usr2_urg = set_of(SIGUSR2, SIGURG);
    CHECK_OK(sigprocmask(SIG_BLOCK, &usr2_urg, NULL));
    CHECK_OK(kill(getpid(), SIGUSR2));
    CHECK_OK(kill(getpid(), SIGURG));
    CHECK(is_pending(SIGUSR2) && is_pending(SIGURG));
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &usr2_urg, NULL));
    CHECK(!is_pending(SIGUSR2) && !is_pending(SIGURG));
    /* Unblocked and ignored: dropped at once. */
    CHECK_OK(kill(getpid(), SIGUSR2));
    CHECK_OK(kill(getpid(), SIGURG));
    CHECK_OK(kill(getpid(), SIGCHLD));
    CHECK(!is_pending(SIGUSR2) && !is_pending(SIGURG) && !is_pending(SIGCHLD));

    /* A handler installed while the ignored signal is pending gets it. */
    CHECK_OK(sigprocmask(SIG_BLOCK, &usr2, NULL));
    CHECK_OK(kill(getpid(), SIGUSR2));
    install(SIGUSR2, usr2_handler, set_of(0, 0));
    CHECK(is_pending(SIGUSR2));
    usr2_count = 0;
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &usr2, NULL));
    CHECK(usr2_count == 1);

    /* Setting SIG_IGN discards a pending signal; so does SIG_DFL for one ignored by default. */
    CHECK_OK(sigprocmask(SIG_BLOCK, &usr2, NULL));
    CHECK_OK(kill(getpid(), SIGUSR2));
    CHECK(is_pending(SIGUSR2));
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
    CHECK(!is_pending(SIGUSR2));
    install(SIGWINCH, usr1_handler, set_of(0, 0));
    sigset_t winch = set_of(SIGWINCH, 0);
    CHECK_OK(sigprocmask(SIG_BLOCK, &winch, NULL));
    CHECK_OK(kill(getpid(), SIGWINCH));
    CHECK(is_pending(SIGWINCH));
    CHECK(signal(SIGWINCH, SIG_DFL) != SIG_ERR);
    CHECK(!is_pending(SIGWINCH));
    /* ... but SIG_DFL for a signal whose default is to terminate keeps it pending. */
    install(SIGTERM, usr1_handler, set_of(0, 0));
    sigset_t term = set_of(SIGTERM, 0);
    CHECK_OK(sigprocmask(SIG_BLOCK, &term, NULL));
    CHECK_OK(kill(getpid(), SIGTERM));
    CHECK(signal(SIGTERM, SIG_DFL) != SIG_ERR);
    CHECK(is_pending(SIGTERM));
    CHECK(signal(SIGTERM, SIG_IGN) != SIG_ERR);
    CHECK(!is_pending(SIGTERM));
    CHECK_OK(sigprocmask(SIG_SETMASK, &empty, NULL));
    signal(SIGTERM, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);

    /* rt_sigpending takes any size up to the kernel's set; rt_sigprocmask only that size. */
    CHECK_OK(sigprocmask(SIG_BLOCK, &usr1, NULL));
    CHECK_OK(kill(getpid(), SIGUSR1));
    unsigned long long raw = 0;
    CHECK_OK(syscall(SYS_rt_sigpending, &raw, SIGSET_SIZE));
    CHECK(raw == 1ULL << (SIGUSR1 - 1));
    unsigned int half = 0;
    CHECK_OK(syscall(SYS_rt_sigpending, &half, 4));
    CHECK(half == 1U << (SIGUSR1 - 1));
    CHECK_ERRNO(syscall(SYS_rt_sigpending, &raw, SIGSET_SIZE * 2), EINVAL);
    CHECK_ERRNO(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &half, 4), EINVAL);
    usr1_count = 0;
    CHECK_OK(sigprocmask(SIG_SETMASK, &empty, NULL));
    CHECK(usr1_count == 1);

    if (argc > 1 && strcmp(argv[1], "exec") == 0)
        exec_self(argv[0]);
    return check_passed("sig_mask");
}
