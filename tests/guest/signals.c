/* Signal dispositions and the blocked mask are kept and read back (no delivery is tested). */
#include "check.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

static void handler(int signal)
{
    (void)signal;
}

static void other_handler(int signal, siginfo_t *info, void *context)
{
    (void)signal;
    (void)info;
    (void)context;
}

int main(void)
{
    struct sigaction action, old;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGUSR2);
    action.sa_flags = SA_RESTART;
    CHECK(sigaction(SIGUSR1, &action, NULL) == 0);

    memset(&old, 0, sizeof old);
    CHECK(sigaction(SIGUSR1, NULL, &old) == 0);
    CHECK(old.sa_handler == handler);
    CHECK(old.sa_flags & SA_RESTART);
    CHECK(!(old.sa_flags & SA_SIGINFO));
    CHECK(sigismember(&old.sa_mask, SIGUSR2) == 1);
    CHECK(sigismember(&old.sa_mask, SIGTERM) == 0);

    /* Replacing returns the previous disposition. */
    struct sigaction second;
    memset(&second, 0, sizeof second);
    second.sa_sigaction = other_handler;
    second.sa_flags = SA_SIGINFO;
    sigemptyset(&second.sa_mask);
    memset(&old, 0, sizeof old);
    CHECK(sigaction(SIGUSR1, &second, &old) == 0);
    CHECK(old.sa_handler == handler);
    CHECK(sigaction(SIGUSR1, NULL, &old) == 0);
    CHECK(old.sa_sigaction == other_handler);
    CHECK(old.sa_flags & SA_SIGINFO);

    /* Ignored and default dispositions. */
    CHECK(signal(SIGUSR2, SIG_IGN) == SIG_DFL);
    CHECK(signal(SIGUSR2, SIG_DFL) == SIG_IGN);
    CHECK(sigaction(SIGTERM, NULL, &old) == 0);
    CHECK(old.sa_handler == SIG_DFL);

    /* SIGKILL and SIGSTOP cannot be caught; bad numbers are rejected. */
    CHECK_ERRNO(sigaction(SIGKILL, &action, NULL), EINVAL);
    CHECK_ERRNO(sigaction(SIGSTOP, &action, NULL), EINVAL);
    CHECK_ERRNO(sigaction(0, &action, NULL), EINVAL);
    CHECK_ERRNO(sigaction(65, &action, NULL), EINVAL);
    CHECK(sigaction(SIGKILL, NULL, &old) == 0);
    CHECK(old.sa_handler == SIG_DFL);

    /* The blocked mask. */
    sigset_t set, current;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    CHECK(sigprocmask(SIG_BLOCK, NULL, &current) == 0);
    CHECK(sigismember(&current, SIGUSR1) == 1);
    CHECK(sigismember(&current, SIGUSR2) == 0);

    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigset_t previous;
    CHECK(sigprocmask(SIG_BLOCK, &set, &previous) == 0);
    CHECK(sigismember(&previous, SIGUSR1) == 1);
    CHECK(sigismember(&previous, SIGUSR2) == 0);
    CHECK(sigprocmask(SIG_SETMASK, NULL, &current) == 0);
    CHECK(sigismember(&current, SIGUSR1) == 1 && sigismember(&current, SIGUSR2) == 1);

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
    CHECK(sigprocmask(SIG_BLOCK, NULL, &current) == 0);
    CHECK(sigismember(&current, SIGUSR1) == 0 && sigismember(&current, SIGUSR2) == 1);

    /* SIGKILL and SIGSTOP are silently left out of the mask. */
    sigemptyset(&set);
    sigaddset(&set, SIGKILL);
    sigaddset(&set, SIGSTOP);
    CHECK(sigprocmask(SIG_SETMASK, &set, NULL) == 0);
    CHECK(sigprocmask(SIG_BLOCK, NULL, &current) == 0);
    CHECK(sigismember(&current, SIGKILL) == 0 && sigismember(&current, SIGSTOP) == 0);
    CHECK(sigismember(&current, SIGUSR2) == 0);

    CHECK_ERRNO(sigprocmask(42, &set, NULL), EINVAL);
    /* The raw call insists on the kernel's 8-byte set size. */
    CHECK_ERRNO(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &current, 4), EINVAL);

    return check_passed("signals");
}
