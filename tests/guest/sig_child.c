/* Signals raised by events: SIGCHLD with its siginfo for a child that exits (CLD_EXITED and the
 * status) or is killed (CLD_KILLED and the signal), several child exits while SIGCHLD is
 * blocked coalescing into one signal, SIGCHLD set to SIG_IGN and SA_NOCLDWAIT reaping children
 * (wait blocks until the last one is gone, then ECHILD; SA_NOCLDWAIT still sends SIGCHLD; a
 * zombie from before is not reaped), SIGPIPE for a write to a pipe without readers (killing by
 * default, EPIPE when ignored, handled or blocked, sent as by the writer itself), and the
 * parent-death signal. */
#define _GNU_SOURCE
#include "proc.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#define MS 1000000LL

struct child_event {
    int signo, code, status, pid, uid;
};
static struct child_event events[16];
static volatile int event_count;

static void recorder(int signo, siginfo_t *info, void *context)
{
    (void)context;
    int n = event_count;
    if (n < 16) {
        events[n].signo = signo;
        events[n].code = info->si_code;
        events[n].status = info->si_status;
        events[n].pid = info->si_pid;
        events[n].uid = (int)info->si_uid;
    }
    event_count = n + 1;
}

static void install(int signo, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = recorder;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(signo, &sa, NULL));
}

static void change_mask(int how, int signo)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    CHECK_OK(sigprocmask(how, &set, NULL));
}

static int is_pending(int signo)
{
    sigset_t set;
    CHECK_OK(sigpending(&set));
    return sigismember(&set, signo);
}

static pid_t exiting_child(int code, int delay_ms)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        if (delay_ms)
            sleep_ms(delay_ms);
        _exit(code);
    }
    return pid;
}

/* A child that waits (at most 20 s) to be killed. */
static pid_t waiting_child(volatile int *ready)
{
    *ready = 0;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        struct rlimit limit = { 0, 0 };
        CHECK_OK(setrlimit(RLIMIT_CORE, &limit));
        signal(SIGCHLD, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        *ready = 1;
        sleep_ms(20000);
        _exit(0);
    }
    WAIT_UNTIL(*ready, 20000);
    return pid;
}

struct death_report {
    volatile int ready, signo, code, pid, parent_after;
};

static struct death_report *report;

static void death_handler(int signo, siginfo_t *info, void *context)
{
    (void)context;
    report->code = info->si_code;
    report->pid = info->si_pid;
    report->parent_after = getppid();
    report->signo = signo;
}

int main(void)
{
    volatile int *ready = shared_memory(sizeof *ready);
    int core_to_pipe = 0;
    if (file_exists("/proc/sys/kernel/core_pattern")) {
        char pattern[256];
        read_file("/proc/sys/kernel/core_pattern", pattern, sizeof pattern);
        core_to_pipe = pattern[0] == '|';
    }

    /* SIGCHLD for an exit. */
    install(SIGCHLD, 0);
    pid_t pid = exiting_child(42, 0);
    WAIT_UNTIL(event_count == 1, 20000);
    CHECK(events[0].signo == SIGCHLD && events[0].code == CLD_EXITED && events[0].status == 42);
    CHECK(events[0].pid == pid && events[0].uid == (int)getuid());
    CHECK_CHILD_EXITS(pid, 42);

    /* ... and for deaths by signal. */
    int deaths[] = { SIGTERM, SIGKILL, SIGQUIT };
    for (int i = 0; i < 3; ++i) {
        event_count = 0;
        pid = waiting_child(ready);
        CHECK_OK(kill(pid, deaths[i]));
        WAIT_UNTIL(event_count == 1, 20000);
        CHECK(events[0].code == CLD_KILLED || (core_to_pipe && events[0].code == CLD_DUMPED));
        CHECK(events[0].status == deaths[i] && events[0].pid == pid);
        CHECK_SIGNALED(WAIT_FOR(pid), deaths[i]);
    }

    /* Three exits while SIGCHLD is blocked: one signal. */
    change_mask(SIG_BLOCK, SIGCHLD);
    pid_t children[3];
    for (int i = 0; i < 3; ++i)
        children[i] = exiting_child(i, 0);
    siginfo_t info;
    for (int i = 0; i < 3; ++i)
        CHECK_OK(waitid(P_PID, children[i], &info, WEXITED | WNOWAIT));
    CHECK(is_pending(SIGCHLD));
    event_count = 0;
    change_mask(SIG_UNBLOCK, SIGCHLD);
    CHECK(event_count == 1 && events[0].code == CLD_EXITED);
    for (int i = 0; i < 3; ++i)
        CHECK_CHILD_EXITS(children[i], i);

    /* SIGCHLD ignored: no zombies; wait blocks while children live, then ECHILD. A zombie from
     * before stays waitable. */
    signal(SIGCHLD, SIG_DFL);
    pid_t zombie = exiting_child(3, 0);
    CHECK_OK(waitid(P_PID, zombie, &info, WEXITED | WNOWAIT));
    CHECK(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
    long long begin = monotonic_ns();
    exiting_child(0, 30);
    exiting_child(0, 0);
    CHECK_CHILD_EXITS(zombie, 3);
    CHECK_ERRNO(wait(NULL), ECHILD);
    CHECK(monotonic_ns() - begin >= 30 * MS);
    pid = exiting_child(0, 0);
    WAIT_UNTIL(kill(pid, 0) == -1 && errno == ESRCH, 20000);
    CHECK_ERRNO(waitpid(pid, NULL, 0), ECHILD);
    /* Back to SIG_DFL: children are waited for again. */
    signal(SIGCHLD, SIG_DFL);
    pid = exiting_child(4, 0);
    CHECK_CHILD_EXITS(pid, 4);

    /* SA_NOCLDWAIT: reaped as with SIG_IGN, but the handler still gets SIGCHLD. */
    install(SIGCHLD, SA_NOCLDWAIT);
    event_count = 0;
    pid = exiting_child(5, 0);
    WAIT_UNTIL(event_count == 1, 20000);
    CHECK(events[0].code == CLD_EXITED && events[0].status == 5 && events[0].pid == pid);
    WAIT_UNTIL(kill(pid, 0) == -1 && errno == ESRCH, 20000);
    CHECK_ERRNO(waitpid(pid, NULL, 0), ECHILD);
    begin = monotonic_ns();
    exiting_child(0, 30);
    CHECK_ERRNO(wait(NULL), ECHILD);
    CHECK(monotonic_ns() - begin >= 30 * MS);
    signal(SIGCHLD, SIG_DFL);

    /* SIGPIPE: the default action kills the writer. */
    int fds[2];
    CHECK_OK(pipe(fds));
    CHECK_OK(close(fds[0]));
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        write(fds[1], "x", 1);
        _exit(0);
    }
    CHECK_SIGNALED(WAIT_FOR(pid), SIGPIPE);
    /* Ignored: EPIPE. */
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    CHECK_ERRNO(write(fds[1], "x", 1), EPIPE);
    /* Handled: EPIPE after the handler ran, the writer itself named as the sender. */
    install(SIGPIPE, 0);
    event_count = 0;
    CHECK_ERRNO(write(fds[1], "x", 1), EPIPE);
    CHECK(event_count == 1 && events[0].signo == SIGPIPE && events[0].code == SI_USER);
    CHECK(events[0].pid == getpid());
    /* Blocked: EPIPE, and the signal waits. */
    change_mask(SIG_BLOCK, SIGPIPE);
    event_count = 0;
    CHECK_ERRNO(write(fds[1], "xy", 2), EPIPE);
    CHECK(event_count == 0 && is_pending(SIGPIPE));
    change_mask(SIG_UNBLOCK, SIGPIPE);
    CHECK(event_count == 1);
    CHECK_OK(close(fds[1]));
    signal(SIGPIPE, SIG_DFL);

    /* The parent-death signal: a grandchild asks for SIGUSR1 when its parent dies; this process
     * is a subreaper, so it inherits the grandchild. */
    report = shared_memory(sizeof *report);
    CHECK_OK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    pid_t middle = fork();
    CHECK(middle >= 0);
    if (middle == 0) {
        pid_t grandchild = fork();
        CHECK(grandchild >= 0);
        if (grandchild == 0) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_sigaction = death_handler;
            sa.sa_flags = SA_SIGINFO;
            CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
            CHECK_OK(prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0));
            int signo = 0;
            CHECK_OK(prctl(PR_GET_PDEATHSIG, &signo, 0, 0, 0));
            CHECK(signo == SIGUSR1);
            report->ready = 1;
            WAIT_UNTIL(report->signo != 0, 20000);
            _exit(0);
        }
        WAIT_UNTIL(report->ready, 20000);
        _exit(0);
    }
    CHECK_CHILD_EXITS(middle, 0);
    WAIT_UNTIL(report->signo != 0, 20000);
    CHECK(report->signo == SIGUSR1 && report->code == SI_USER && report->pid == middle);
    CHECK(report->parent_after == getpid());
    int status = 0;
    CHECK(waitpid(-1, &status, 0) > 0); /* the grandchild */
    CHECK_EXITED(status, 0);
    CHECK_ERRNO(wait(NULL), ECHILD);

    return check_passed("sig_child");
}
