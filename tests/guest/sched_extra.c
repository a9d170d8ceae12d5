/* Priorities, scheduling policies, affinity, membarrier(2), restart_syscall(2) and pidfds.
 * Linux is the reference: each check passes on the host too. A container without
 * CAP_SYS_NICE refuses negative nice values and real-time policies even to root: those checks
 * are skipped when the first attempt is refused. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BAD_POINTER ((void *)16)

#define MEMBARRIER_CMD_QUERY 0
#define MEMBARRIER_CMD_GLOBAL 1
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED 8
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED 16
#define PIDFD_NONBLOCK O_NONBLOCK

/* musl's sched_getscheduler() and sched_getparam() return ENOSYS without asking the kernel. */
#define get_scheduler(pid) syscall(SYS_sched_getscheduler, (pid))
#define get_param(pid, param) syscall(SYS_sched_getparam, (pid), (param))

static long raw_getpriority(int which, int who) { return syscall(SYS_getpriority, which, who); }

static void test_priority(void)
{
    CHECK(raw_getpriority(PRIO_PROCESS, 0) == 20);
    CHECK_OK(setpriority(PRIO_PROCESS, 0, 5));
    CHECK(raw_getpriority(PRIO_PROCESS, 0) == 15);
    errno = 0;
    CHECK(getpriority(PRIO_PROCESS, 0) == 5 && errno == 0);
    CHECK(getpriority(PRIO_PROCESS, getpid()) == 5);
    CHECK(getpriority(PRIO_PGRP, 0) <= 5);
    CHECK(getpriority(PRIO_USER, 0) <= 5);
    /* Out-of-range values are clamped. */
    CHECK_OK(setpriority(PRIO_PROCESS, 0, 100));
    CHECK(raw_getpriority(PRIO_PROCESS, 0) == 1);

    /* Inherited across fork, kept over exec-less children. */
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0)
        _exit(raw_getpriority(PRIO_PROCESS, 0) == 1 ? 0 : 1);
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* Lowering the nice value needs privilege. */
    errno = 0;
    if (setpriority(PRIO_PROCESS, 0, -5) == 0) {
        CHECK(raw_getpriority(PRIO_PROCESS, 0) == 25);
        CHECK(getpriority(PRIO_PROCESS, 0) == -5);
        CHECK_OK(setpriority(PRIO_PROCESS, 0, 0));
    } else {
        CHECK(errno == EACCES || errno == EPERM);
        fprintf(stderr, "sched_extra: no CAP_SYS_NICE, negative nice values skipped\n");
    }
    CHECK_OK(setpriority(PRIO_PROCESS, 0, 0));

    CHECK_ERRNO(getpriority(3, 0), EINVAL);
    CHECK_ERRNO(getpriority(-1, 0), EINVAL);
    CHECK_ERRNO(setpriority(3, 0, 0), EINVAL);
    CHECK_ERRNO(getpriority(PRIO_PROCESS, 999999), ESRCH);
    CHECK_ERRNO(setpriority(PRIO_PROCESS, 999999, 0), ESRCH);
    CHECK_ERRNO(getpriority(PRIO_PGRP, 999999), ESRCH);
}

static void test_scheduler(void)
{
    struct sched_param param = { 0 };
    CHECK(get_scheduler(0) == SCHED_OTHER);
    CHECK_OK(get_param(0, &param));
    CHECK(param.sched_priority == 0);
    CHECK(sched_get_priority_max(SCHED_FIFO) == 99 && sched_get_priority_min(SCHED_FIFO) == 1);
    CHECK(sched_get_priority_max(SCHED_RR) == 99 && sched_get_priority_min(SCHED_RR) == 1);
    CHECK(sched_get_priority_max(SCHED_OTHER) == 0 && sched_get_priority_min(SCHED_OTHER) == 0);
    CHECK(sched_get_priority_max(SCHED_BATCH) == 0 && sched_get_priority_min(SCHED_IDLE) == 0);
    CHECK_ERRNO(sched_get_priority_max(4), EINVAL);
    CHECK_ERRNO(sched_get_priority_min(-1), EINVAL);
    CHECK_ERRNO(sched_get_priority_max(100), EINVAL);

    /* The raw calls: musl's wrappers for sched_setscheduler and sched_setparam return ENOSYS. */
    param.sched_priority = 0;
    CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &param));
    CHECK(get_scheduler(0) == SCHED_BATCH);
    CHECK_OK(syscall(SYS_sched_setscheduler, getpid(), SCHED_OTHER, &param));
    CHECK(get_scheduler(getpid()) == SCHED_OTHER);
    CHECK_OK(syscall(SYS_sched_setparam, 0, &param));

    param.sched_priority = 1;
    CHECK_ERRNO(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &param), EINVAL);
    CHECK_ERRNO(syscall(SYS_sched_setparam, 0, &param), EINVAL);
    param.sched_priority = 0;
    CHECK_ERRNO(syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &param), EINVAL);
    param.sched_priority = 100;
    CHECK_ERRNO(syscall(SYS_sched_setscheduler, 0, SCHED_RR, &param), EINVAL);
    param.sched_priority = -1;
    CHECK_ERRNO(syscall(SYS_sched_setscheduler, 0, SCHED_RR, &param), EINVAL);
    param.sched_priority = 0;
    CHECK_ERRNO(syscall(SYS_sched_setscheduler, 0, 4, &param), EINVAL);
    CHECK_ERRNO(syscall(SYS_sched_setscheduler, 0, 77, &param), EINVAL);
    CHECK_ERRNO(syscall(SYS_sched_setscheduler, 0, -1, &param), EINVAL);
    CHECK_ERRNO(syscall(SYS_sched_setscheduler, -1, SCHED_OTHER, &param), EINVAL);
    CHECK_ERRNO(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL), EINVAL);
    CHECK_ERRNO(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, BAD_POINTER), EFAULT);
    CHECK_ERRNO(syscall(SYS_sched_setscheduler, 999999, SCHED_OTHER, &param), ESRCH);
    CHECK_ERRNO(get_scheduler(999999), ESRCH);
    CHECK_ERRNO(get_scheduler(-1), EINVAL);
    CHECK_ERRNO(get_param(0, NULL), EINVAL);
    CHECK_ERRNO(get_param(999999, &param), ESRCH);
    CHECK_ERRNO(get_param(0, BAD_POINTER), EFAULT);

    struct timespec interval;
    CHECK_OK(sched_rr_get_interval(0, &interval));
    CHECK(interval.tv_sec >= 0 && interval.tv_nsec >= 0 && interval.tv_nsec < 1000000000);
    CHECK_ERRNO(sched_rr_get_interval(999999, &interval), ESRCH);
    CHECK_ERRNO(sched_rr_get_interval(-1, &interval), EINVAL);
    CHECK_ERRNO(sched_rr_get_interval(0, BAD_POINTER), EFAULT);

    /* Real-time policies, for a privileged caller. */
    param.sched_priority = 10;
    errno = 0;
    if (syscall(SYS_sched_setscheduler, 0, SCHED_RR, &param) == 0) {
        CHECK(get_scheduler(0) == SCHED_RR);
        param.sched_priority = 0;
        CHECK_OK(get_param(0, &param));
        CHECK(param.sched_priority == 10);
        CHECK_OK(sched_rr_get_interval(0, &interval));
        CHECK(interval.tv_sec == 0 && interval.tv_nsec > 0);
        param.sched_priority = 20;
        CHECK_OK(syscall(SYS_sched_setparam, 0, &param));
        CHECK(get_scheduler(0) == SCHED_RR);
        CHECK_OK(get_param(0, &param));
        CHECK(param.sched_priority == 20);
        /* Inherited across fork. */
        pid_t child = fork();
        CHECK(child >= 0);
        if (child == 0) {
            struct sched_param child_param;
            _exit(get_scheduler(0) == SCHED_RR && get_param(0, &child_param) == 0 && child_param.sched_priority == 20 ? 0 : 1);
        }
        int status;
        CHECK(waitpid(child, &status, 0) == child);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        param.sched_priority = 5;
        CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_FIFO | SCHED_RESET_ON_FORK, &param));
        CHECK(get_scheduler(0) == (SCHED_FIFO | SCHED_RESET_ON_FORK));
        CHECK_OK(sched_rr_get_interval(0, &interval));
        CHECK(interval.tv_sec == 0 && interval.tv_nsec == 0);
        /* SCHED_RESET_ON_FORK: the child is back to SCHED_OTHER. */
        child = fork();
        CHECK(child >= 0);
        if (child == 0)
            _exit(get_scheduler(0) == SCHED_OTHER ? 0 : 1);
        CHECK(waitpid(child, &status, 0) == child);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        param.sched_priority = 0;
        CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &param));
        CHECK(get_scheduler(0) == SCHED_OTHER);
    } else {
        CHECK(errno == EPERM);
        fprintf(stderr, "sched_extra: no CAP_SYS_NICE, real-time policies skipped\n");
    }
}

static void test_affinity(void)
{
    cpu_set_t mask;
    CPU_ZERO(&mask);
    CHECK_OK(sched_getaffinity(0, sizeof mask, &mask));
    CHECK(CPU_COUNT(&mask) >= 1);
    /* What sched_getaffinity() reported is accepted back. */
    CHECK_OK(sched_setaffinity(0, sizeof mask, &mask));
    CHECK_OK(sched_setaffinity(getpid(), sizeof mask, &mask));
    /* A mask of no CPU that exists. */
    cpu_set_t none;
    CPU_ZERO(&none);
    CHECK_ERRNO(sched_setaffinity(0, sizeof none, &none), EINVAL);
    CPU_SET(1000, &none);
    CHECK_ERRNO(sched_setaffinity(0, sizeof none, &none), EINVAL);
    CHECK_ERRNO(sched_setaffinity(999999, sizeof mask, &mask), ESRCH);
    CHECK_ERRNO(syscall(SYS_sched_setaffinity, 0, sizeof mask, BAD_POINTER), EFAULT);
    cpu_set_t after;
    CPU_ZERO(&after);
    CHECK_OK(sched_getaffinity(0, sizeof after, &after));
    CHECK(CPU_EQUAL(&after, &mask));
}

static void test_membarrier(void)
{
    long supported = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    CHECK(supported > 0);
    CHECK(supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED);
    CHECK(supported & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED);
    if (supported & MEMBARRIER_CMD_GLOBAL)
        CHECK_OK(syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0));
    CHECK_ERRNO(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0), EPERM);
    CHECK_OK(syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0));
    CHECK_OK(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0));
    CHECK_ERRNO(syscall(SYS_membarrier, 3, 0, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_membarrier, 1 << 20, 0, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 1, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 1, 0), EINVAL);
    /* A fork child shares the registration. */
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0)
        _exit(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0 ? 0 : 1);
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void on_usr1(int signal) { (void)signal; }

static void test_pidfd(void)
{
    CHECK_ERRNO(syscall(SYS_pidfd_open, getpid(), 1), EINVAL);
    CHECK_ERRNO(syscall(SYS_pidfd_open, 0, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_pidfd_open, -1, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_pidfd_open, 999999, 0), ESRCH);

    int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
    CHECK(self >= 0);
    CHECK(fcntl(self, F_GETFD) == FD_CLOEXEC);
    char link[64], target[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", self);
    ssize_t length = readlink(link, target, sizeof target - 1);
    CHECK(length > 0);
    target[length] = '\0';
    CHECK(strcmp(target, "anon_inode:[pidfd]") == 0 || strncmp(target, "pidfd:", 6) == 0);
    struct pollfd self_poll = { self, POLLIN, 0 };
    CHECK(poll(&self_poll, 1, 0) == 0);
    /* Signals to oneself through the pidfd. */
    signal(SIGUSR1, on_usr1);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);
    CHECK_OK(syscall(SYS_pidfd_send_signal, self, SIGUSR1, NULL, 0));
    sigset_t pending;
    CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1));
    CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
    CHECK_OK(syscall(SYS_pidfd_send_signal, self, 0, NULL, 0));
    CHECK_ERRNO(syscall(SYS_pidfd_send_signal, self, SIGUSR1, NULL, 1 << 10), EINVAL);
    CHECK_ERRNO(syscall(SYS_pidfd_send_signal, self, 1000, NULL, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_pidfd_send_signal, -1, SIGUSR1, NULL, 0), EBADF);
    CHECK_ERRNO(syscall(SYS_pidfd_send_signal, 0, SIGUSR1, NULL, 0), EBADF);
    CHECK(close(self) == 0);

    /* A child's pidfd becomes readable when it exits, and stays usable until it is reaped. */
    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        char byte;
        close(ready[1]);
        if (read(ready[0], &byte, 1) != 1)
            _exit(2);
        _exit(7);
    }
    close(ready[0]);
    int pidfd = (int)syscall(SYS_pidfd_open, child, PIDFD_NONBLOCK);
    CHECK(pidfd >= 0);
    CHECK(fcntl(pidfd, F_GETFL) & O_NONBLOCK);
    struct pollfd child_poll = { pidfd, POLLIN, 0 };
    CHECK(poll(&child_poll, 1, 50) == 0);
    CHECK(write(ready[1], "g", 1) == 1);
    CHECK(poll(&child_poll, 1, 5000) == 1);
    CHECK(child_poll.revents & POLLIN);
    /* A zombie still takes a signal (which it ignores). */
    CHECK_OK(syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0));
    CHECK_OK(syscall(SYS_pidfd_open, child, 0));
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
    CHECK(poll(&child_poll, 1, 0) == 1 && (child_poll.revents & POLLIN));
    CHECK_ERRNO(syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0), ESRCH);
    CHECK_ERRNO(syscall(SYS_pidfd_open, child, 0), ESRCH);
    CHECK(close(pidfd) == 0);
    close(ready[1]);

    /* Killing a child through its pidfd. */
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        for (;;)
            pause();
    }
    pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    CHECK(pidfd >= 0);
    CHECK_OK(syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0));
    child_poll.fd = pidfd;
    child_poll.revents = 0;
    CHECK(poll(&child_poll, 1, 5000) == 1);
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK(close(pidfd) == 0);
}

int main(void)
{
    test_priority();
    test_scheduler();
    test_affinity();
    test_membarrier();
    /* No restart is pending. */
    CHECK_ERRNO(syscall(SYS_restart_syscall), EINTR);
    test_pidfd();
    return check_passed("sched_extra");
}
