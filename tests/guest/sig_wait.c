/* Waiting for signals, woken by a helper thread: pause (not woken by ignored signals),
 * sigsuspend (its mask while waiting and in the handler, uc_sigmask and the mask afterwards
 * being the caller's, an already pending signal, a signal it keeps blocked not waking it),
 * sigtimedwait (timeout, zero timeout, bad timeout, woken by tgkill and by kill, the signal
 * taken without running its handler, an ignored but blocked signal taken), sigwaitinfo and
 * sigwait. Times are checked as lower bounds only. */
#define _GNU_SOURCE
#include "proc.h"

#include <pthread.h>
#include <ucontext.h>

#define MS 1000000LL

static pid_t main_tid;

/* A thread that sends signals to the main thread (tgkill) or to the process (kill), each after
 * a delay; it blocks every signal itself. */
struct step {
    int delay_ms, signo, to_process;
};
struct sender {
    pthread_t thread;
    struct step steps[4];
    int count;
};

static void *sender_main(void *arg)
{
    struct sender *sender = arg;
    for (int i = 0; i < sender->count; ++i) {
        sleep_ms(sender->steps[i].delay_ms);
        if (sender->steps[i].to_process)
            CHECK_OK(kill(getpid(), sender->steps[i].signo));
        else
            CHECK_OK(syscall(SYS_tgkill, getpid(), main_tid, sender->steps[i].signo));
    }
    return NULL;
}

static void start(struct sender *sender)
{
    sigset_t all, old;
    sigfillset(&all);
    CHECK(pthread_sigmask(SIG_SETMASK, &all, &old) == 0);
    CHECK(pthread_create(&sender->thread, NULL, sender_main, sender) == 0);
    CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);
}

static void finish(struct sender *sender)
{
    CHECK(pthread_join(sender->thread, NULL) == 0);
}

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

static int count_members(const sigset_t *set)
{
    int count = 0;
    for (int signo = 1; signo <= 64; ++signo)
        count += sigismember(set, signo) == 1;
    return count;
}

static int is_pending(int signo)
{
    sigset_t set;
    CHECK_OK(sigpending(&set));
    return sigismember(&set, signo);
}

static volatile int handled;
static sigset_t handler_mask, handler_uc_mask;

static void handler(int signo, siginfo_t *info, void *vcontext)
{
    (void)signo;
    (void)info;
    ucontext_t *uc = vcontext;
    ++handled;
    handler_mask = current_mask();
    sigemptyset(&handler_uc_mask);
    for (int s = 1; s <= 64; ++s)
        if (sigismember(&uc->uc_sigmask, s) == 1)
            sigaddset(&handler_uc_mask, s);
}

int main(void)
{
    main_tid = gettid();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
    sigset_t empty = set_of(0, 0);

    /* pause: ignored signals (explicitly or by default) do not end it, a handled one does. */
    long long begin = monotonic_ns();
    struct sender sender = { .steps = { { 10, SIGUSR2, 0 }, { 10, SIGCHLD, 0 }, { 20, SIGUSR1, 0 } }, .count = 3 };
    start(&sender);
    CHECK_ERRNO(pause(), EINTR);
    CHECK(handled == 1);
    CHECK(monotonic_ns() - begin >= 40 * MS);
    finish(&sender);

    /* sigsuspend: the temporary mask lets SIGUSR1 in but keeps SIGUSR2 out (now handled), which
     * does not end the wait; the handler runs with the temporary mask plus the signal, its
     * uc_sigmask and the mask after the call are the caller's. */
    CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
    sigset_t both = set_of(SIGUSR1, SIGUSR2), usr2 = set_of(SIGUSR2, 0), original = both;
    sigaddset(&original, SIGHUP);
    CHECK_OK(sigprocmask(SIG_SETMASK, &original, NULL));
    handled = 0;
    begin = monotonic_ns();
    sender = (struct sender){ .steps = { { 10, SIGUSR2, 0 }, { 20, SIGUSR1, 0 } }, .count = 2 };
    start(&sender);
    CHECK_ERRNO(sigsuspend(&usr2), EINTR);
    CHECK(monotonic_ns() - begin >= 30 * MS);
    CHECK(handled == 1);
    CHECK(count_members(&handler_mask) == 2 && sigismember(&handler_mask, SIGUSR1) && sigismember(&handler_mask, SIGUSR2));
    CHECK(count_members(&handler_uc_mask) == 3 && sigismember(&handler_uc_mask, SIGHUP));
    sigset_t mask = current_mask();
    CHECK(count_members(&mask) == 3 && sigismember(&mask, SIGUSR1) && sigismember(&mask, SIGHUP));
    CHECK(is_pending(SIGUSR2) && !is_pending(SIGUSR1));
    finish(&sender);

    /* A signal already pending ends sigsuspend at once: here SIGUSR2. */
    handled = 0;
    CHECK_ERRNO(sigsuspend(&empty), EINTR);
    CHECK(handled == 1 && !is_pending(SIGUSR2));
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);

    /* sigtimedwait without a signal: EAGAIN after the timeout, at once for a zero timeout. */
    siginfo_t info;
    struct timespec timeout = { 0, 30 * MS }, zero = { 0, 0 }, bad = { 0, 1000000000L };
    sigset_t usr1 = set_of(SIGUSR1, 0);
    begin = monotonic_ns();
    CHECK_ERRNO(sigtimedwait(&usr1, &info, &timeout), EAGAIN);
    CHECK(monotonic_ns() - begin >= 30 * MS);
    CHECK_ERRNO(sigtimedwait(&usr1, &info, &zero), EAGAIN);
    CHECK_ERRNO(sigtimedwait(&usr1, &info, &bad), EINVAL);
    timeout.tv_nsec = -1;
    CHECK_ERRNO(sigtimedwait(&usr1, &info, &timeout), EINVAL);

    /* Woken by a signal to the thread, then one to the process; the handler does not run. */
    handled = 0;
    timeout = (struct timespec){ 10, 0 };
    begin = monotonic_ns();
    sender = (struct sender){ .steps = { { 20, SIGUSR1, 0 }, { 20, SIGUSR1, 1 } }, .count = 2 };
    start(&sender);
    memset(&info, 0, sizeof info);
    CHECK(sigtimedwait(&usr1, &info, &timeout) == SIGUSR1);
    CHECK(monotonic_ns() - begin >= 20 * MS);
    CHECK(info.si_signo == SIGUSR1 && info.si_code == SI_TKILL && info.si_pid == getpid());
    memset(&info, 0, sizeof info);
    CHECK(sigwaitinfo(&usr1, &info) == SIGUSR1);
    CHECK(monotonic_ns() - begin >= 40 * MS);
    CHECK(info.si_code == SI_USER && info.si_pid == getpid() && info.si_uid == getuid());
    CHECK(handled == 0 && !is_pending(SIGUSR1));
    finish(&sender);

    /* A pending signal is taken at once, by sigwaitinfo and sigwait; an ignored one too while it
     * is blocked, since blocked signals are never discarded. */
    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK(sigwaitinfo(&both, &info) == SIGUSR1);
    CHECK_OK(kill(getpid(), SIGUSR2));
    CHECK(is_pending(SIGUSR2));
    int signo = 0;
    CHECK(sigwait(&both, &signo) == 0 && signo == SIGUSR2);
    CHECK(!is_pending(SIGUSR2));

    /* Waiting for a set, woken by either member: here SIGUSR2, still ignored, which the wait
     * must not lose although it unblocks the set while it sleeps. */
    sender = (struct sender){ .steps = { { 20, SIGUSR2, 1 } }, .count = 1 };
    start(&sender);
    CHECK(sigtimedwait(&both, &info, &timeout) == SIGUSR2);
    finish(&sender);

    CHECK_OK(sigprocmask(SIG_SETMASK, &empty, NULL));
    CHECK(handled == 0);
    return check_passed("sig_wait");
}
