/* Job control: SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU stop a child (waitpid with WUNTRACED
 * reports it once, it makes no progress), SIGCONT continues it (WCONTINUED, its SIGCONT handler
 * runs), the parent gets SIGCHLD with CLD_STOPPED / CLD_CONTINUED unless SA_NOCLDSTOP, waitid
 * with WSTOPPED / WCONTINUED (and WNOWAIT), a stopped child killed by SIGKILL, a SIGTERM sent to
 * a stopped child waiting until it is continued, SIGCONT discarding a pending stop signal and
 * continuing a child that blocks it, and an orphaned process group ignoring the terminal stop
 * signals but not SIGSTOP.
 *
 * The children run in a process group of their own, whose parent (this test) is in another
 * group of the same session: that group is not orphaned whatever started the test. */
#define _GNU_SOURCE
#include "proc.h"

struct shared {
    volatile unsigned long counter;
    volatile int go, stage, continued;
};
static struct shared *shared;

struct child_event {
    int code, status, pid;
};
static struct child_event events[32];
static volatile int event_count;

static void sigchld_handler(int signo, siginfo_t *info, void *context)
{
    (void)signo;
    (void)context;
    int n = event_count;
    if (n < 32) {
        events[n].code = info->si_code;
        events[n].status = info->si_status;
        events[n].pid = info->si_pid;
    }
    event_count = n + 1;
}

static void install_sigchld(int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sigchld_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(SIGCHLD, &sa, NULL));
}

static void continued_handler(int signo)
{
    (void)signo;
    __atomic_add_fetch(&shared->continued, 1, __ATOMIC_SEQ_CST);
}

/* waitpid, resuming after EINTR; returns what it returned, the status in *status. */
static pid_t wait_status(pid_t pid, int *status, int flags)
{
    pid_t got;
    do
        got = waitpid(pid, status, flags);
    while (got == -1 && errno == EINTR);
    return got;
}

static void expect_stopped(pid_t pid, int signo)
{
    int status = 0;
    CHECK(wait_status(pid, &status, WUNTRACED) == pid);
    if (!WIFSTOPPED(status) || WSTOPSIG(status) != signo)
        fprintf(stderr, "expected a stop by %d, status 0x%x\n", signo, status);
    CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == signo);
}

static void expect_continued(pid_t pid)
{
    int status = 0;
    CHECK(wait_status(pid, &status, WCONTINUED) == pid);
    CHECK(WIFCONTINUED(status));
}

/* A child in its own process group that counts (about once a millisecond) until shared->go;
 * with block, it blocks that signal first. */
static pid_t worker(int block)
{
    shared->counter = 0;
    shared->go = 0;
    shared->stage = 0;
    shared->continued = 0;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK_OK(setpgid(0, 0));
        signal(SIGCONT, continued_handler);
        if (block) {
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, block);
            CHECK_OK(sigprocmask(SIG_BLOCK, &set, NULL));
        }
        while (!shared->go) {
            ++shared->counter;
            sleep_ms(1);
        }
        _exit(0);
    }
    CHECK_OK(setpgid(pid, pid));
    WAIT_UNTIL(shared->counter > 0, 20000);
    return pid;
}

static void finish(pid_t pid)
{
    shared->go = 1;
    int status = 0;
    CHECK(wait_status(pid, &status, 0) == pid);
    CHECK_EXITED(status, 0);
}

static int child_has_pending(int signo)
{
    sigset_t set;
    CHECK_OK(sigpending(&set));
    return sigismember(&set, signo) == 1;
}

int main(void)
{
    shared = shared_memory(sizeof *shared);
    install_sigchld(0);

    /* Each stop signal stops, SIGCONT continues; SIGCHLD reports both. */
    pid_t pid = worker(0);
    int stops[] = { SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU };
    for (int i = 0; i < 4; ++i) {
        event_count = 0;
        CHECK_OK(kill(pid, stops[i]));
        expect_stopped(pid, stops[i]);
        WAIT_UNTIL(event_count == 1, 20000);
        CHECK(events[0].code == CLD_STOPPED && events[0].status == stops[i] && events[0].pid == pid);
        int status;
        CHECK(wait_status(pid, &status, WUNTRACED | WNOHANG) == 0); /* reported once */
        unsigned long counter = shared->counter;
        sleep_ms(30);
        CHECK(shared->counter == counter);
        CHECK_OK(kill(pid, SIGCONT));
        expect_continued(pid);
        WAIT_UNTIL(event_count == 2, 20000);
        CHECK(events[1].code == CLD_CONTINUED && events[1].status == SIGCONT && events[1].pid == pid);
        CHECK(wait_status(pid, &status, WCONTINUED | WNOHANG) == 0);
        WAIT_UNTIL(shared->counter > counter, 20000);
        WAIT_UNTIL(shared->continued == i + 1, 20000); /* its handler ran */
    }

    /* waitid: WSTOPPED and WCONTINUED, WNOWAIT leaving the state to be waited for again. */
    siginfo_t info;
    CHECK_OK(kill(pid, SIGSTOP));
    memset(&info, 0, sizeof info);
    CHECK_OK(waitid(P_PID, pid, &info, WSTOPPED | WNOWAIT));
    CHECK(info.si_signo == SIGCHLD && info.si_code == CLD_STOPPED && info.si_status == SIGSTOP);
    CHECK(info.si_pid == pid);
    memset(&info, 0, sizeof info);
    CHECK_OK(waitid(P_PID, pid, &info, WSTOPPED));
    CHECK(info.si_code == CLD_STOPPED && info.si_pid == pid);
    memset(&info, 0, sizeof info);
    CHECK_OK(waitid(P_PID, pid, &info, WSTOPPED | WNOHANG));
    CHECK(info.si_pid == 0);
    CHECK_OK(kill(pid, SIGCONT));
    memset(&info, 0, sizeof info);
    CHECK_OK(waitid(P_PID, pid, &info, WCONTINUED));
    CHECK(info.si_code == CLD_CONTINUED && info.si_status == SIGCONT && info.si_pid == pid);
    finish(pid);

    /* SA_NOCLDSTOP: no SIGCHLD for stopping or continuing, one for the exit. */
    install_sigchld(SA_NOCLDSTOP);
    pid = worker(0);
    event_count = 0;
    CHECK_OK(kill(pid, SIGTSTP));
    expect_stopped(pid, SIGTSTP);
    CHECK_OK(kill(pid, SIGCONT));
    expect_continued(pid);
    CHECK(event_count == 0);
    finish(pid);
    CHECK(event_count == 1 && events[0].code == CLD_EXITED && events[0].pid == pid);
    install_sigchld(0);

    /* A stopped child dies of SIGKILL. */
    pid = worker(0);
    CHECK_OK(kill(pid, SIGSTOP));
    expect_stopped(pid, SIGSTOP);
    CHECK_OK(kill(pid, SIGKILL));
    int status = 0;
    CHECK(wait_status(pid, &status, 0) == pid);
    CHECK_SIGNALED(status, SIGKILL);

    /* Other fatal signals wait until the child is continued. */
    pid = worker(0);
    CHECK_OK(kill(pid, SIGSTOP));
    expect_stopped(pid, SIGSTOP);
    CHECK_OK(kill(pid, SIGTERM));
    sleep_ms(30);
    CHECK(wait_status(pid, &status, WNOHANG) == 0);
    CHECK_OK(kill(pid, SIGCONT));
    CHECK(wait_status(pid, &status, 0) == pid);
    CHECK_SIGNALED(status, SIGTERM);

    /* SIGCONT discards a pending (blocked) stop signal. */
    shared->stage = 0;
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK_OK(setpgid(0, 0));
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTSTP);
        CHECK_OK(sigprocmask(SIG_BLOCK, &set, NULL));
        shared->stage = 1;
        WAIT_UNTIL(shared->stage == 2, 20000);
        CHECK(child_has_pending(SIGTSTP));
        shared->stage = 3;
        WAIT_UNTIL(shared->stage == 4, 20000);
        CHECK(!child_has_pending(SIGTSTP));
        _exit(0);
    }
    CHECK_OK(setpgid(pid, pid));
    WAIT_UNTIL(shared->stage == 1, 20000);
    CHECK_OK(kill(pid, SIGTSTP));
    shared->stage = 2;
    WAIT_UNTIL(shared->stage == 3, 20000);
    CHECK_OK(kill(pid, SIGCONT));
    shared->stage = 4;
    CHECK(wait_status(pid, &status, 0) == pid);
    CHECK_EXITED(status, 0);

    /* A child that blocks SIGCONT is still continued by it; the signal stays pending. */
    pid = worker(SIGCONT);
    CHECK_OK(kill(pid, SIGSTOP));
    expect_stopped(pid, SIGSTOP);
    unsigned long counter = shared->counter;
    CHECK_OK(kill(pid, SIGCONT));
    expect_continued(pid);
    WAIT_UNTIL(shared->counter > counter, 20000);
    CHECK(shared->continued == 0);
    finish(pid);

    /* An orphaned process group (a new session's, whose parent is in another session): SIGTSTP,
     * SIGTTIN and SIGTTOU are discarded, SIGSTOP still stops. */
    shared->stage = 0;
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK(setsid() == getpid());
        shared->stage = 1;
        WAIT_UNTIL(shared->stage == 2, 20000);
        getppid(); /* the signals are acted on by now */
        CHECK(!child_has_pending(SIGTSTP) && !child_has_pending(SIGTTIN) && !child_has_pending(SIGTTOU));
        shared->stage = 3;
        WAIT_UNTIL(shared->stage == 4, 20000);
        _exit(0);
    }
    WAIT_UNTIL(shared->stage == 1, 20000);
    CHECK_OK(kill(pid, SIGTSTP));
    CHECK_OK(kill(pid, SIGTTIN));
    CHECK_OK(kill(pid, SIGTTOU));
    shared->stage = 2;
    WAIT_UNTIL(shared->stage == 3 || wait_status(pid, &status, WUNTRACED | WNOHANG) == pid, 20000);
    CHECK(shared->stage == 3);
    CHECK_OK(kill(pid, SIGSTOP));
    expect_stopped(pid, SIGSTOP);
    CHECK_OK(kill(pid, SIGCONT));
    expect_continued(pid);
    shared->stage = 4;
    CHECK(wait_status(pid, &status, 0) == pid);
    CHECK_EXITED(status, 0);

    return check_passed("sig_jobcontrol");
}
