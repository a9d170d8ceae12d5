/* wait4, waitpid and waitid: rusage filled in, waitid's P_PID, P_PGID and P_ALL with the
 * siginfo it fills (and zeroes under WNOHANG when nothing is ready), WNOHANG, WNOWAIT leaving
 * the child waitable, waitpid(-1) and waitpid(-pgid), ECHILD, zombies staying until reaped
 * (and still signalable), exit statuses masked to 0..255, deaths by signal (SIGKILL, SIGSEGV,
 * SIGABRT, SIGTERM from the parent) with default actions only, and SIGCHLD set to SIG_IGN
 * reaping children automatically. */
#define _GNU_SOURCE
#include "proc.h"

#include <sys/resource.h>

static char directory[64];
static char release[128];

/* A child that waits (at most 20 s) until the parent creates the release file, then exits
 * with code. */
static pid_t held_child(int code)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        WAIT_UNTIL(file_exists(release), 20000);
        _exit(code);
    }
    return pid;
}

static pid_t exiting_child(int code)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        _exit(code);
    return pid;
}

/* Waits until the child has exited, without reaping it. */
static void wait_zombie(pid_t pid)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    CHECK(waitid(P_PID, pid, &info, WEXITED | WNOWAIT) == 0);
    CHECK(info.si_pid == pid);
}

int main(void)
{
    make_scratch_directory(directory, sizeof directory, "wait");
    snprintf(release, sizeof release, "%s/release", directory);

    /* Nothing to wait for. */
    CHECK_ERRNO(wait(NULL), ECHILD);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    CHECK_ERRNO(waitpid(getpid(), NULL, 0), ECHILD);
    CHECK_ERRNO(waitpid(1, NULL, 0), ECHILD);
    siginfo_t info;
    CHECK_ERRNO(waitid(P_ALL, 0, &info, WEXITED), ECHILD);
    CHECK_ERRNO(waitid(P_ALL, 0, &info, WEXITED | WNOHANG), ECHILD);
    /* waitid needs at least one of WEXITED, WSTOPPED, WCONTINUED. */
    CHECK_ERRNO(waitid(P_ALL, 0, &info, WNOHANG), EINVAL);
    CHECK_ERRNO(waitpid(-1, NULL, 0x10000000), EINVAL);

    /* wait4 fills the rusage of a child that used some CPU time. */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        long long end = monotonic_ns() + 30000000LL;
        volatile unsigned long spin = 0;
        while (monotonic_ns() < end)
            ++spin;
        _exit(3);
    }
    struct rusage usage;
    memset(&usage, 0xff, sizeof usage);
    int status = -1;
    CHECK(wait4(pid, &status, 0, &usage) == pid);
    CHECK_EXITED(status, 3);
    CHECK(usage.ru_utime.tv_sec >= 0 && usage.ru_utime.tv_usec >= 0 && usage.ru_utime.tv_usec < 1000000);
    CHECK(usage.ru_stime.tv_sec >= 0 && usage.ru_stime.tv_usec >= 0 && usage.ru_stime.tv_usec < 1000000);
    CHECK(usage.ru_utime.tv_sec + usage.ru_utime.tv_usec + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec > 0);
    CHECK(usage.ru_maxrss >= 0 && usage.ru_minflt >= 0 && usage.ru_nvcsw >= 0);
    struct rusage children;
    CHECK(getrusage(RUSAGE_CHILDREN, &children) == 0);
    CHECK(children.ru_utime.tv_sec * 1000000LL + children.ru_utime.tv_usec + children.ru_stime.tv_sec * 1000000LL
            + children.ru_stime.tv_usec
        >= usage.ru_utime.tv_sec * 1000000LL + usage.ru_utime.tv_usec + usage.ru_stime.tv_sec * 1000000LL
            + usage.ru_stime.tv_usec);
    /* wait4 with no status and no rusage pointers. */
    pid = exiting_child(0);
    CHECK(wait4(pid, NULL, 0, NULL) == pid);

    /* waitid(P_PID) fills the siginfo. */
    pid = exiting_child(5);
    memset(&info, 0xff, sizeof info);
    CHECK(waitid(P_PID, pid, &info, WEXITED) == 0);
    CHECK(info.si_signo == SIGCHLD);
    CHECK(info.si_code == CLD_EXITED);
    CHECK(info.si_pid == pid);
    CHECK(info.si_uid == getuid());
    CHECK(info.si_status == 5);
    CHECK_ERRNO(waitpid(pid, NULL, WNOHANG), ECHILD);

    /* WNOHANG while the child runs: 0 from waitpid; waitid returns 0 with si_pid and si_signo
     * zeroed. Once released, the child is reaped by waitpid(-1). */
    pid = held_child(6);
    CHECK(waitpid(pid, &status, WNOHANG) == 0);
    CHECK(waitpid(-1, &status, WNOHANG) == 0);
    memset(&info, 0xff, sizeof info);
    CHECK(waitid(P_PID, pid, &info, WEXITED | WNOHANG) == 0);
    CHECK(info.si_pid == 0);
    CHECK(info.si_signo == 0);
    memset(&info, 0xff, sizeof info);
    CHECK(waitid(P_ALL, 0, &info, WEXITED | WNOHANG) == 0);
    CHECK(info.si_pid == 0);
    write_file(release, "", 0644);
    status = -1;
    CHECK(waitpid(-1, &status, 0) == pid);
    CHECK_EXITED(status, 6);
    CHECK(unlink(release) == 0);

    /* WNOWAIT leaves the child waitable, as often as asked. */
    pid = exiting_child(8);
    for (int i = 0; i < 2; ++i) {
        memset(&info, 0, sizeof info);
        CHECK(waitid(P_PID, pid, &info, WEXITED | WNOWAIT) == 0);
        CHECK(info.si_pid == pid && info.si_code == CLD_EXITED && info.si_status == 8);
    }
    memset(&info, 0, sizeof info);
    CHECK(waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) == 0);
    CHECK(info.si_pid == pid);
    CHECK_CHILD_EXITS(pid, 8);
    CHECK_ERRNO(waitid(P_PID, pid, &info, WEXITED | WNOHANG), ECHILD);

    /* A zombie stays until reaped: still there (and signalable) long after it exited. */
    pid = exiting_child(9);
    wait_zombie(pid);
    sleep_ms(50);
    CHECK(kill(pid, 0) == 0);
    CHECK(kill(pid, SIGKILL) == 0); /* no effect on a zombie */
    CHECK_CHILD_EXITS(pid, 9);
    CHECK_ERRNO(kill(pid, 0), ESRCH);

    /* waitid(P_PGID) and waitpid(-pgid) choose by process group; P_ALL takes any child. */
    pid_t outsider = exiting_child(10);
    pid_t leader = fork();
    CHECK(leader >= 0);
    if (leader == 0) {
        CHECK(setpgid(0, 0) == 0);
        WAIT_UNTIL(file_exists(release), 20000);
        _exit(11);
    }
    CHECK(setpgid(leader, leader) == 0);
    pid_t member = fork();
    CHECK(member >= 0);
    if (member == 0) {
        CHECK(setpgid(0, leader) == 0);
        WAIT_UNTIL(file_exists(release), 20000);
        _exit(12);
    }
    CHECK(setpgid(member, leader) == 0);
    wait_zombie(outsider);
    memset(&info, 0xff, sizeof info);
    CHECK(waitid(P_PGID, leader, &info, WEXITED | WNOHANG) == 0);
    CHECK(info.si_pid == 0);
    CHECK(waitpid(-leader, &status, WNOHANG) == 0);
    write_file(release, "", 0644);
    int seen = 0;
    for (int i = 0; i < 2; ++i) {
        memset(&info, 0, sizeof info);
        CHECK(waitid(P_PGID, leader, &info, WEXITED) == 0);
        CHECK(info.si_pid == leader || info.si_pid == member);
        CHECK(info.si_code == CLD_EXITED);
        CHECK(info.si_status == (info.si_pid == leader ? 11 : 12));
        seen |= info.si_pid == leader ? 1 : 2;
    }
    CHECK(seen == 3);
    CHECK_ERRNO(waitid(P_PGID, leader, &info, WEXITED | WNOHANG), ECHILD);
    memset(&info, 0, sizeof info);
    CHECK(waitid(P_ALL, 0, &info, WEXITED) == 0);
    CHECK(info.si_pid == outsider && info.si_status == 10);
    CHECK(unlink(release) == 0);

    /* Exit statuses: the low 8 bits of the value given to _exit. */
    static const int codes[] = { 0, 1, 2, 42, 127, 128, 200, 254, 255, 256, 257, 511, -1 };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; ++i) {
        pid = exiting_child(codes[i]);
        CHECK_CHILD_EXITS(pid, codes[i] & 0xff);
    }
    /* exit() from main's return path too. */
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        exit(77);
    CHECK_CHILD_EXITS(pid, 77);

    /* Deaths by signal, default actions only. */
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        kill(getpid(), SIGKILL);
        _exit(0);
    }
    status = WAIT_FOR(pid);
    CHECK_SIGNALED(status, SIGKILL);
    CHECK(!WIFEXITED(status));

    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        volatile uintptr_t address = 16;
        *(volatile int *)address = 1;
        _exit(0);
    }
    CHECK_SIGNALED(WAIT_FOR(pid), SIGSEGV);

    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        abort();
    CHECK_SIGNALED(WAIT_FOR(pid), SIGABRT);

    pid = held_child(0);
    CHECK(kill(pid, SIGTERM) == 0);
    CHECK_SIGNALED(WAIT_FOR(pid), SIGTERM);

    pid = held_child(0);
    CHECK(kill(pid, SIGKILL) == 0);
    memset(&info, 0, sizeof info);
    CHECK(waitid(P_PID, pid, &info, WEXITED) == 0);
    CHECK(info.si_code == CLD_KILLED);
    CHECK(info.si_status == SIGKILL);

    /* With SIGCHLD ignored, children are reaped as they exit: waiting for one blocks until it
     * has exited, then fails with ECHILD. */
    CHECK(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        sleep_ms(30);
        _exit(1);
    }
    long long start = monotonic_ns();
    CHECK_ERRNO(waitpid(pid, &status, 0), ECHILD);
    CHECK(monotonic_ns() - start >= 30000000LL);
    CHECK_ERRNO(kill(pid, 0), ESRCH);
    CHECK(signal(SIGCHLD, SIG_DFL) == SIG_IGN);

    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    remove_scratch_directory(directory);
    return check_passed("wait");
}
