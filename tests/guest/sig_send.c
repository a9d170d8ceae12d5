/* Sending signals: the errno of each bad target or number for kill, tkill and tgkill (signal 0
 * probes), kill to a zombie, fork keeping the mask and the dispositions but not the pending
 * signals, kill to the caller's own group (0), to another group (-pgid) and to every process
 * (-1), where process-directed and thread-directed signals go in a multithreaded process,
 * handled signals stopping a thread and a process that spin without system calls, and
 * rt_sigqueueinfo / rt_tgsigqueueinfo with the values they carry and their rule against
 * forging si_code for another process.
 *
 * `sig_send uid` checks the credential rules instead (only where it starts as root): a process
 * that dropped to another user gets EPERM from kill to root's process, except for SIGCONT in
 * the same session, and its kill(-1, sig) reaches its own user's processes but neither itself
 * nor root's. */
#define _GNU_SOURCE
#include "proc.h"

#include <limits.h>
#include <pthread.h>

struct record {
    int signo, code, pid, uid, value, tid;
};
static struct record records[16];
static volatile int record_count;

static void record_handler(int signo, siginfo_t *info, void *context)
{
    (void)context;
    int n = record_count;
    if (n < 16) {
        records[n].signo = signo;
        records[n].code = info->si_code;
        records[n].pid = info->si_pid;
        records[n].uid = (int)info->si_uid;
        records[n].value = info->si_value.sival_int;
        records[n].tid = (int)syscall(SYS_gettid);
    }
    record_count = n + 1;
}

static void install(int signo, void (*action)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = action;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(signo, &sa, NULL));
}

static void change_mask(int how, int signo)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    CHECK(pthread_sigmask(how, &set, NULL) == 0);
}

static int is_pending(int signo)
{
    sigset_t set;
    CHECK_OK(sigpending(&set));
    return sigismember(&set, signo);
}

static long tkill(int tid, int signo)
{
    return syscall(SYS_tkill, tid, signo);
}

static long tgkill(int tgid, int tid, int signo)
{
    return syscall(SYS_tgkill, tgid, tid, signo);
}

/* A siginfo as a program fills it for rt_sigqueueinfo, with a made-up sender. */
static siginfo_t forged_info(int signo, int code, int value)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = signo;
    info.si_code = code;
    info.si_pid = 4242;
    info.si_uid = 4343;
    info.si_value.sival_int = value;
    return info;
}

static long queueinfo(pid_t pid, int signo, int code, int value)
{
    siginfo_t info = forged_info(signo, code, value);
    return syscall(SYS_rt_sigqueueinfo, pid, signo, &info);
}

static long tgqueueinfo(pid_t tgid, int tid, int signo, int code, int value)
{
    siginfo_t info = forged_info(signo, code, value);
    return syscall(SYS_rt_tgsigqueueinfo, tgid, tid, signo, &info);
}

/* A child that waits until *release is set, then exits with 0. */
static pid_t held_child(volatile int *release)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        WAIT_UNTIL(*release, 20000);
        _exit(0);
    }
    return pid;
}

/* --- Groups: kill(0, sig) and kill(-pgid, sig) ------------------------------------------------ */

struct group_shared {
    int ready;
    int usr1[4], usr2[4]; /* the child, its two children, the test */
};
static struct group_shared *group;
static int group_index = 3;

static void group_handler(int signo)
{
    __atomic_add_fetch(signo == SIGUSR1 ? &group->usr1[group_index] : &group->usr2[group_index], 1, __ATOMIC_SEQ_CST);
}

static void test_groups(void)
{
    group = shared_memory(sizeof *group);
    signal(SIGUSR1, group_handler);
    signal(SIGUSR2, group_handler);
    pid_t leader = fork();
    CHECK(leader >= 0);
    if (leader == 0) {
        group_index = 0;
        CHECK_OK(setpgid(0, 0));
        pid_t members[2];
        for (int i = 0; i < 2; ++i) {
            members[i] = fork();
            CHECK(members[i] >= 0);
            if (members[i] == 0) {
                group_index = i + 1;
                __atomic_add_fetch(&group->ready, 1, __ATOMIC_SEQ_CST);
                WAIT_UNTIL(group->usr1[group_index] == 1 && group->usr2[group_index] == 1, 20000);
                _exit(0);
            }
        }
        WAIT_UNTIL(group->ready == 2, 20000);
        group->ready = 3;
        /* The test signals the whole group; then this process signals its own group. */
        WAIT_UNTIL(group->usr1[0] == 1 && group->usr1[1] == 1 && group->usr1[2] == 1, 20000);
        CHECK_OK(kill(0, SIGUSR2));
        CHECK(group->usr2[0] == 1); /* the caller is in its group: delivered before kill returns */
        CHECK_CHILD_EXITS(members[0], 0);
        CHECK_CHILD_EXITS(members[1], 0);
        _exit(0);
    }
    WAIT_UNTIL(group->ready == 3, 20000);
    CHECK(getpgid(leader) == leader);
    CHECK_OK(kill(0, 0));
    CHECK_OK(kill(-leader, 0));
    CHECK_OK(kill(-1, 0)); /* every process the caller may signal, here at least the group */
    CHECK_OK(kill(-leader, SIGUSR1));
    CHECK_CHILD_EXITS(leader, 0);
    CHECK(group->usr1[3] == 0 && group->usr2[3] == 0); /* the test is in neither group */
    CHECK_ERRNO(kill(-leader, 0), ESRCH);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
}

/* --- Threads: thread-directed and process-directed signals ----------------------------------- */

static volatile int thread_tid, thread_step;

static void *directed_thread(void *arg)
{
    (void)arg;
    /* Created with SIGUSR1 and SIGUSR2 blocked; takes SIGUSR2 but keeps SIGUSR1 blocked. */
    thread_tid = (int)syscall(SYS_gettid);
    change_mask(SIG_UNBLOCK, SIGUSR2);
    thread_step = 1;

    /* The test sent SIGUSR1 to this thread with tgkill: pending here. */
    WAIT_UNTIL(thread_step == 2, 20000);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    struct timespec zero = { 0, 0 };
    siginfo_t info;
    CHECK(is_pending(SIGUSR1));
    memset(&info, 0, sizeof info);
    CHECK(sigtimedwait(&set, &info, &zero) == SIGUSR1);
    CHECK(info.si_code == SI_TKILL);
    CHECK(info.si_pid == getpid());
    CHECK_ERRNO(sigtimedwait(&set, &info, &zero), EAGAIN);
    thread_step = 3;

    /* The test sent SIGUSR1 to the process, which no thread accepts: pending for every thread,
     * and any of them can take it. */
    WAIT_UNTIL(thread_step == 4, 20000);
    CHECK(is_pending(SIGUSR1));
    memset(&info, 0, sizeof info);
    CHECK(sigtimedwait(&set, &info, &zero) == SIGUSR1);
    CHECK(info.si_code == SI_USER);
    CHECK(info.si_pid == getpid());
    thread_step = 5;

    WAIT_UNTIL(thread_step == 6, 20000);
    return NULL;
}

static void test_threads(void)
{
    pid_t self = getpid();
    install(SIGUSR2, record_handler);
    sigset_t both, old;
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    CHECK(pthread_sigmask(SIG_BLOCK, &both, &old) == 0);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, directed_thread, NULL) == 0);
    WAIT_UNTIL(thread_step == 1, 20000);

    CHECK_OK(tgkill(self, thread_tid, 0));
    CHECK_ERRNO(tgkill(self + 1000000, thread_tid, 0), ESRCH);

    /* Thread-directed: pending for that thread only. */
    CHECK_OK(tgkill(self, thread_tid, SIGUSR1));
    CHECK(!is_pending(SIGUSR1));

    /* Process-directed: taken by the only thread that does not block it. */
    record_count = 0;
    CHECK_OK(kill(self, SIGUSR2));
    WAIT_UNTIL(record_count == 1, 20000);
    CHECK(records[0].signo == SIGUSR2 && records[0].code == SI_USER && records[0].pid == self);
    CHECK(records[0].tid == thread_tid);
    CHECK(!is_pending(SIGUSR2));

    /* tkill names the thread alone. */
    CHECK_OK(tkill(thread_tid, SIGUSR2));
    WAIT_UNTIL(record_count == 2, 20000);
    CHECK(records[1].code == SI_TKILL && records[1].tid == thread_tid && records[1].pid == self);

    thread_step = 2;
    WAIT_UNTIL(thread_step == 3, 20000);

    CHECK_OK(kill(self, SIGUSR1));
    CHECK(is_pending(SIGUSR1));
    thread_step = 4;
    WAIT_UNTIL(thread_step == 5, 20000);
    CHECK(!is_pending(SIGUSR1)); /* the thread took it */

    thread_step = 6;
    CHECK(pthread_join(thread, NULL) == 0);
    /* Gone once it has exited (tids are not reused this soon). */
    WAIT_UNTIL(tgkill(self, thread_tid, 0) == -1 && errno == ESRCH, 20000);
    CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);
    signal(SIGUSR2, SIG_DFL);
}

/* --- Spinning without system calls ---------------------------------------------------------- */

static volatile sig_atomic_t spin_stop;
static volatile unsigned long *spin_counter;
static volatile int spinner_done;

static void stop_handler(int signo)
{
    (void)signo;
    spin_stop = 1;
}

static void *spinning_thread(void *arg)
{
    (void)arg;
    while (!spin_stop)
        ++*spin_counter;
    spinner_done = 1;
    return NULL;
}

static void test_spinning(void)
{
    spin_counter = shared_memory(sizeof *spin_counter);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = stop_handler;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(SIGHUP, &sa, NULL));

    /* A thread: the signal goes to the process, whose main thread blocks it. */
    spin_stop = 0;
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, spinning_thread, NULL) == 0);
    change_mask(SIG_BLOCK, SIGHUP);
    WAIT_UNTIL(*spin_counter > 1000, 20000);
    CHECK_OK(kill(getpid(), SIGHUP));
    WAIT_UNTIL(spinner_done, 20000);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(!is_pending(SIGHUP));
    change_mask(SIG_UNBLOCK, SIGHUP);

    /* A process. */
    spin_stop = 0;
    *spin_counter = 0;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        while (!spin_stop)
            ++*spin_counter;
        _exit(0);
    }
    WAIT_UNTIL(*spin_counter > 1000, 20000);
    CHECK_OK(kill(pid, SIGHUP));
    int status;
    WAIT_UNTIL(waitpid(pid, &status, WNOHANG) == pid, 20000);
    CHECK_EXITED(status, 0);
    signal(SIGHUP, SIG_DFL);
}

/* --- rt_sigqueueinfo and rt_tgsigqueueinfo --------------------------------------------------- */

static volatile int queue_tid, queue_done;

static void *queue_thread(void *arg)
{
    (void)arg;
    queue_tid = (int)syscall(SYS_gettid);
    change_mask(SIG_UNBLOCK, SIGUSR2);
    WAIT_UNTIL(queue_done, 20000);
    return NULL;
}

static void test_queueinfo(pid_t dead)
{
    pid_t self = getpid();
    install(SIGUSR1, record_handler);
    install(SIGUSR2, record_handler);

    /* To itself a process may claim any si_code and sender: the siginfo arrives as given. */
    record_count = 0;
    CHECK_OK(queueinfo(self, SIGUSR1, SI_QUEUE, 17));
    CHECK(record_count == 1);
    CHECK(records[0].signo == SIGUSR1 && records[0].code == SI_QUEUE && records[0].value == 17);
    CHECK(records[0].pid == 4242 && records[0].uid == 4343);
    CHECK_OK(queueinfo(self, SIGUSR1, SI_USER, 0));
    CHECK(record_count == 2);
    CHECK(records[1].code == SI_USER && records[1].pid == 4242);

    /* sigqueue fills in the real sender. */
    CHECK_OK(sigqueue(self, SIGUSR1, (union sigval){ .sival_int = 23 }));
    CHECK(record_count == 3);
    CHECK(records[2].code == SI_QUEUE && records[2].value == 23 && records[2].pid == self);
    CHECK(records[2].uid == (int)getuid());

    CHECK_ERRNO(queueinfo(self, 65, SI_QUEUE, 0), EINVAL);
    CHECK_ERRNO(queueinfo(dead, SIGUSR1, SI_QUEUE, 0), ESRCH);

    /* To another process only negative codes other than SI_TKILL: no forged kill, tkill or
     * kernel signal. */
    volatile int *release = shared_memory(sizeof *release);
    pid_t child = held_child(release);
    CHECK_OK(queueinfo(child, 0, SI_QUEUE, 0));
    CHECK_ERRNO(queueinfo(child, 0, SI_USER, 0), EPERM);
    CHECK_ERRNO(queueinfo(child, 0, SI_TKILL, 0), EPERM);
    CHECK_ERRNO(queueinfo(child, 0, SI_KERNEL, 0), EPERM);
    CHECK_ERRNO(tgqueueinfo(child, child, 0, SI_USER, 0), EPERM);
    CHECK_OK(tgqueueinfo(child, child, 0, SI_QUEUE, 0));
    *release = 1;
    CHECK_CHILD_EXITS(child, 0);

    /* rt_tgsigqueueinfo to one thread. */
    change_mask(SIG_BLOCK, SIGUSR2);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, queue_thread, NULL) == 0);
    WAIT_UNTIL(queue_tid != 0, 20000);
    record_count = 0;
    CHECK_OK(tgqueueinfo(self, queue_tid, SIGUSR2, SI_QUEUE, 99));
    WAIT_UNTIL(record_count == 1, 20000);
    CHECK(records[0].signo == SIGUSR2 && records[0].code == SI_QUEUE && records[0].value == 99);
    CHECK(records[0].tid == queue_tid);
    CHECK_ERRNO(tgqueueinfo(self, 0, SIGUSR2, SI_QUEUE, 0), EINVAL);
    CHECK_ERRNO(tgqueueinfo(0, queue_tid, SIGUSR2, SI_QUEUE, 0), EINVAL);
    CHECK_ERRNO(tgqueueinfo(dead, queue_tid, SIGUSR2, SI_QUEUE, 0), ESRCH);
    queue_done = 1;
    CHECK(pthread_join(thread, NULL) == 0);
    change_mask(SIG_UNBLOCK, SIGUSR2);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
}

/* --- Credentials ------------------------------------------------------------------------------ */

struct uid_shared {
    int ready;
    int usr1[4]; /* the child, its two children, the test */
    int cont;
};
static struct uid_shared *ushared;
static int uid_index = 3;

static void uid_handler(int signo)
{
    __atomic_add_fetch(signo == SIGUSR1 ? &ushared->usr1[uid_index] : &ushared->cont, 1, __ATOMIC_SEQ_CST);
}

static int uid_main(void)
{
    if (geteuid() != 0)
        return check_passed("sig_send"); /* no other user to become */
    ushared = shared_memory(sizeof *ushared);
    signal(SIGUSR1, uid_handler);
    signal(SIGCONT, uid_handler);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        uid_index = 0;
        uid_t user = 3000000 + (uid_t)getpid();
        CHECK_OK(setresgid(user, user, user));
        CHECK_OK(setresuid(user, user, user));
        CHECK(getuid() == user && geteuid() == user);
        pid_t parent = getppid();
        CHECK_ERRNO(kill(parent, 0), EPERM);
        CHECK_ERRNO(kill(parent, SIGUSR1), EPERM);
        CHECK_OK(kill(parent, SIGCONT)); /* allowed within the session */
        pid_t members[2];
        for (int i = 0; i < 2; ++i) {
            members[i] = fork();
            CHECK(members[i] >= 0);
            if (members[i] == 0) {
                uid_index = i + 1;
                __atomic_add_fetch(&ushared->ready, 1, __ATOMIC_SEQ_CST);
                WAIT_UNTIL(ushared->usr1[uid_index] == 1, 20000);
                _exit(0);
            }
        }
        WAIT_UNTIL(ushared->ready == 2, 20000);
        CHECK_OK(kill(members[0], 0));
        /* Every process it may signal: its children, not itself, not root's processes (and the
         * call succeeds although most were refused). */
        CHECK_OK(kill(-1, SIGUSR1));
        WAIT_UNTIL(ushared->usr1[1] == 1 && ushared->usr1[2] == 1, 20000);
        CHECK_CHILD_EXITS(members[0], 0);
        CHECK_CHILD_EXITS(members[1], 0);
        CHECK(ushared->usr1[0] == 0);
        CHECK_ERRNO(queueinfo(parent, SIGUSR1, SI_QUEUE, 0), EPERM);
        _exit(0);
    }
    CHECK_CHILD_EXITS(child, 0);
    CHECK(ushared->usr1[3] == 0);
    CHECK(ushared->cont == 1);
    return check_passed("sig_send");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "uid") == 0)
        return uid_main();

    pid_t self = getpid();
    int tid = (int)syscall(SYS_gettid);

    /* Probes and bad numbers. */
    CHECK_OK(kill(self, 0));
    CHECK_ERRNO(kill(self, -1), EINVAL);
    CHECK_ERRNO(kill(self, 65), EINVAL);
    CHECK_OK(tkill(tid, 0));
    CHECK_ERRNO(tkill(tid, 65), EINVAL);
    CHECK_OK(tgkill(self, tid, 0));
    CHECK_ERRNO(tgkill(self, tid, -1), EINVAL);

    /* Bad targets: a reaped child's pid, no such group, non-positive thread ids. */
    pid_t dead = fork();
    CHECK(dead >= 0);
    if (dead == 0)
        _exit(0);
    CHECK_CHILD_EXITS(dead, 0);
    CHECK_ERRNO(kill(dead, 0), ESRCH);
    CHECK_ERRNO(kill(dead, SIGTERM), ESRCH);
    CHECK_ERRNO(kill(-dead, 0), ESRCH);
    CHECK_ERRNO(kill(INT_MIN, 0), ESRCH);
    CHECK_ERRNO(tkill(dead, 0), ESRCH);
    CHECK_ERRNO(tkill(0, SIGUSR1), EINVAL);
    CHECK_ERRNO(tkill(-1, SIGUSR1), EINVAL);
    CHECK_ERRNO(tgkill(self, dead, 0), ESRCH);
    CHECK_ERRNO(tgkill(dead, tid, 0), ESRCH); /* the thread exists, in another group */
    CHECK_ERRNO(tgkill(self, 0, SIGUSR1), EINVAL);
    CHECK_ERRNO(tgkill(0, tid, SIGUSR1), EINVAL);
    CHECK_ERRNO(tgkill(-1, tid, SIGUSR1), EINVAL);

    /* A zombie can still be signalled (and it changes nothing). */
    pid_t zombie = fork();
    CHECK(zombie >= 0);
    if (zombie == 0)
        _exit(7);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    CHECK_OK(waitid(P_PID, zombie, &info, WEXITED | WNOWAIT));
    CHECK_OK(kill(zombie, 0));
    CHECK_OK(kill(zombie, SIGTERM));
    CHECK_OK(kill(zombie, SIGKILL));
    CHECK_OK(tkill(zombie, SIGKILL));
    CHECK_CHILD_EXITS(zombie, 7);

    /* A signal handled by the caller arrives before kill returns, with the sender's details. */
    install(SIGUSR1, record_handler);
    record_count = 0;
    CHECK_OK(kill(self, SIGUSR1));
    CHECK(record_count == 1);
    CHECK(records[0].signo == SIGUSR1 && records[0].code == SI_USER);
    CHECK(records[0].pid == self && records[0].uid == (int)getuid() && records[0].tid == tid);
    CHECK_OK(tgkill(self, tid, SIGUSR1));
    CHECK(record_count == 2 && records[1].code == SI_TKILL && records[1].pid == self);

    /* fork: the child keeps the mask and the handlers, not the pending signals. */
    change_mask(SIG_BLOCK, SIGUSR1);
    CHECK_OK(kill(self, SIGUSR1));
    CHECK(is_pending(SIGUSR1));
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        struct sigaction sa;
        CHECK_OK(sigaction(SIGUSR1, NULL, &sa));
        CHECK(sa.sa_sigaction == record_handler && (sa.sa_flags & SA_SIGINFO));
        sigset_t mask;
        CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &mask));
        CHECK(sigismember(&mask, SIGUSR1));
        CHECK(!is_pending(SIGUSR1));
        _exit(0);
    }
    CHECK_CHILD_EXITS(child, 0);
    record_count = 0;
    change_mask(SIG_UNBLOCK, SIGUSR1);
    CHECK(record_count == 1);
    signal(SIGUSR1, SIG_DFL);

    test_groups();
    test_threads();
    test_spinning();
    test_queueinfo(dead);
    return check_passed("sig_send");
}
