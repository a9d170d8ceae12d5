/* Pending signals and real-time queueing: a standard signal sent twice while blocked is
 * delivered once (and sigqueue's second value is lost), pending signals are delivered lowest
 * number first (standard before real-time) both to handlers and to sigwaitinfo, real-time
 * signals queue every instance (from kill too) and arrive in order with their si_value and
 * sender, a dequeued instance leaves the others pending, SIGRTMAX works, and ignoring a
 * real-time signal discards its whole queue. */
#define _GNU_SOURCE
#include "check.h"

#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEEN 64

static int seen_signo[MAX_SEEN], seen_value[MAX_SEEN], seen_code[MAX_SEEN], seen_pid[MAX_SEEN];
static volatile int seen;

static void recorder(int signo, siginfo_t *info, void *context)
{
    (void)context;
    int n = seen;
    if (n < MAX_SEEN) {
        seen_signo[n] = signo;
        seen_value[n] = info->si_value.sival_int;
        seen_code[n] = info->si_code;
        seen_pid[n] = info->si_pid;
    }
    seen = n + 1;
}

static sigset_t test_signals; /* every signal used here: blocked while any handler runs */

static void install(int signo)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = recorder;
    sa.sa_flags = SA_SIGINFO;
    sa.sa_mask = test_signals;
    CHECK_OK(sigaction(signo, &sa, NULL));
}

static void block_all(void)
{
    CHECK_OK(sigprocmask(SIG_BLOCK, &test_signals, NULL));
}

static void unblock_all(void)
{
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &test_signals, NULL));
}

static int is_pending(int signo)
{
    sigset_t set;
    CHECK_OK(sigpending(&set));
    return sigismember(&set, signo);
}

static int nothing_pending(void)
{
    sigset_t set;
    CHECK_OK(sigpending(&set));
    for (int signo = 1; signo < _NSIG; ++signo)
        if (sigismember(&set, signo) == 1)
            return 0;
    return 1;
}

static void queue(int signo, int value)
{
    CHECK_OK(sigqueue(getpid(), signo, (union sigval){ .sival_int = value }));
}

/* The next pending signal of the test set, at once; 0 when none. */
static int take(siginfo_t *info)
{
    struct timespec zero = { 0, 0 };
    memset(info, 0, sizeof *info);
    int signo = sigtimedwait(&test_signals, info, &zero);
    if (signo == -1) {
        CHECK(errno == EAGAIN);
        return 0;
    }
    CHECK(info->si_signo == signo);
    return signo;
}

int main(void)
{
    pid_t self = getpid();
    const int rt = SIGRTMIN;
    sigemptyset(&test_signals);
    int used[] = { SIGHUP, SIGUSR1, SIGUSR2, rt, rt + 1, rt + 2, rt + 3, SIGRTMAX };
    for (size_t i = 0; i < sizeof used / sizeof used[0]; ++i)
        sigaddset(&test_signals, used[i]);
    for (size_t i = 0; i < sizeof used / sizeof used[0]; ++i)
        install(used[i]);
    siginfo_t info;

    /* A standard signal sent twice while blocked is delivered once, on unblocking. */
    block_all();
    seen = 0;
    CHECK_OK(kill(self, SIGUSR1));
    CHECK_OK(kill(self, SIGUSR1));
    CHECK(is_pending(SIGUSR1));
    unblock_all();
    CHECK(seen == 1);
    CHECK(seen_signo[0] == SIGUSR1 && seen_code[0] == SI_USER && seen_pid[0] == self);
    CHECK(nothing_pending());

    /* Several pending standard signals: lowest number first. */
    block_all();
    seen = 0;
    CHECK_OK(kill(self, SIGUSR2));
    CHECK_OK(kill(self, SIGHUP));
    CHECK_OK(kill(self, SIGUSR1));
    unblock_all();
    CHECK(seen == 3);
    CHECK(seen_signo[0] == SIGHUP && seen_signo[1] == SIGUSR1 && seen_signo[2] == SIGUSR2);

    /* The same order for sigwaitinfo, and a standard signal before a real-time one. */
    block_all();
    CHECK_OK(kill(self, rt));
    CHECK_OK(kill(self, SIGUSR2));
    CHECK_OK(kill(self, SIGHUP));
    CHECK(take(&info) == SIGHUP);
    CHECK(take(&info) == SIGUSR2);
    CHECK(take(&info) == rt);
    CHECK(info.si_code == SI_USER && info.si_pid == self);
    CHECK(take(&info) == 0);

    /* Real-time signals sent with kill queue every instance. */
    seen = 0;
    for (int i = 0; i < 3; ++i)
        CHECK_OK(kill(self, rt + 2));
    unblock_all();
    CHECK(seen == 3);
    for (int i = 0; i < 3; ++i)
        CHECK(seen_signo[i] == rt + 2 && seen_code[i] == SI_USER);

    /* sigqueue, interleaved on two signals: the lower signal's queue first, each in order, with
     * its value. */
    block_all();
    seen = 0;
    queue(rt + 1, 100);
    queue(rt, 1);
    queue(rt + 1, 101);
    queue(rt, 2);
    queue(rt, 3);
    CHECK(is_pending(rt) && is_pending(rt + 1));
    unblock_all();
    CHECK(seen == 5);
    int expected_signo[] = { rt, rt, rt, rt + 1, rt + 1 };
    int expected_value[] = { 1, 2, 3, 100, 101 };
    for (int i = 0; i < 5; ++i) {
        CHECK(seen_signo[i] == expected_signo[i]);
        CHECK(seen_value[i] == expected_value[i]);
        CHECK(seen_code[i] == SI_QUEUE);
        CHECK(seen_pid[i] == self);
    }
    CHECK(nothing_pending());

    /* The same through sigwaitinfo; taking one instance leaves the rest pending. */
    block_all();
    queue(rt + 1, 200);
    queue(rt, 10);
    queue(rt + 1, 201);
    queue(rt, 11);
    CHECK(take(&info) == rt);
    CHECK(info.si_value.sival_int == 10 && info.si_code == SI_QUEUE && info.si_pid == self);
    CHECK(info.si_uid == getuid());
    CHECK(is_pending(rt));
    CHECK(take(&info) == rt && info.si_value.sival_int == 11);
    CHECK(!is_pending(rt) && is_pending(rt + 1));
    CHECK(sigwaitinfo(&test_signals, &info) == rt + 1 && info.si_value.sival_int == 200);
    CHECK(sigwaitinfo(&test_signals, &info) == rt + 1 && info.si_value.sival_int == 201);
    CHECK(take(&info) == 0);

    /* A long queue keeps its order. */
    for (int i = 0; i < 32; ++i)
        queue(rt + 3, 1000 + i);
    for (int i = 0; i < 32; ++i) {
        CHECK(take(&info) == rt + 3);
        CHECK(info.si_value.sival_int == 1000 + i);
    }
    CHECK(take(&info) == 0);

    /* The highest signal number. */
    queue(SIGRTMAX, 64);
    CHECK(is_pending(SIGRTMAX));
    CHECK(take(&info) == SIGRTMAX && info.si_value.sival_int == 64);

    /* A standard signal queued twice keeps the first siginfo only. */
    seen = 0;
    queue(SIGUSR1, 7);
    queue(SIGUSR1, 8);
    unblock_all();
    CHECK(seen == 1);
    CHECK(seen_signo[0] == SIGUSR1 && seen_value[0] == 7 && seen_code[0] == SI_QUEUE);

    /* Ignoring a real-time signal discards every queued instance. */
    block_all();
    queue(rt, 1);
    queue(rt, 2);
    CHECK(is_pending(rt));
    CHECK(signal(rt, SIG_IGN) != SIG_ERR);
    CHECK(!is_pending(rt));
    install(rt);
    seen = 0;
    unblock_all();
    CHECK(seen == 0);

    return check_passed("sig_rt");
}
