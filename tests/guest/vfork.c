/* vfork() and clone(CLONE_VFORK): the parent is suspended until the child calls _exit or
 * execve, and with CLONE_VM the child's writes are the parent's memory. Without CLONE_VM the
 * parent is still suspended while the child has its own copy of memory. A failed execve in a
 * vfork child returns to the child, which can report errno through the shared memory.
 *
 * SELF wait-file PATH: exits 0 once PATH exists (used as the exec'd image that outlives the
 * vfork). SELF --checks ...: see proc.h. */
#define _GNU_SOURCE
#include "proc.h"

#include <sched.h>

static volatile int progress;
static volatile pid_t reported_pid;
static volatile int reported_errno;
static char stack[64 * 1024] __attribute__((aligned(16)));
static char *self;
static char *wait_argv[4];

static int vfork_child(void *arg)
{
    (void)arg;
    progress = 1;
    reported_pid = getpid();
    struct timespec delay = { .tv_nsec = 30 * 1000000L };
    nanosleep(&delay, NULL);
    progress = 2;
    return 7;
}

static int vfork_exec_child(void *arg)
{
    (void)arg;
    progress = 5;
    execve(self, wait_argv, (char *[]){ NULL });
    _exit(99);
}

static int separate_memory_child(void *arg)
{
    volatile int *shared = arg;
    struct timespec delay = { .tv_nsec = 30 * 1000000L };
    nanosleep(&delay, NULL);
    progress = 9; /* the child's own copy */
    *shared = 9;
    return 3;
}

int main(int argc, char **argv)
{
    if (IS_CHECKS_MODE(argc, argv))
        return run_checks(argc, argv);
    if (argc == 3 && !strcmp(argv[1], "wait-file")) {
        long long deadline = monotonic_ns() + 20000000000LL;
        while (!file_exists(argv[2]) && monotonic_ns() < deadline)
            sleep_ms(1);
        return file_exists(argv[2]) ? 0 : 3;
    }
    self = argv[0];
    pid_t self_pid = getpid();
    char directory[64], release[128];
    make_scratch_directory(directory, sizeof directory, "vfork");
    snprintf(release, sizeof release, "%s/release", directory);

    /* vfork: the parent runs again only after the child's _exit, and sees its writes. */
    progress = 0;
    long long start = monotonic_ns();
    pid_t pid = vfork();
    if (pid == 0) {
        progress = 1;
        reported_pid = getpid();
        struct timespec delay = { .tv_nsec = 30 * 1000000L };
        nanosleep(&delay, NULL);
        progress = 2;
        _exit(5);
    }
    CHECK(pid > 0);
    CHECK(progress == 2);
    CHECK(monotonic_ns() - start >= 30000000LL);
    CHECK(reported_pid == pid && pid != self_pid);
    CHECK_CHILD_EXITS(pid, 5);

    /* vfork then execve: the parent is released by the exec, while the new image still runs
     * (it waits for a file only the parent creates). */
    char *argv_wait[] = { self, "wait-file", release, NULL };
    progress = 0;
    pid = vfork();
    if (pid == 0) {
        progress = 3;
        execve(self, argv_wait, (char *[]){ NULL });
        _exit(99);
    }
    CHECK(pid > 0);
    CHECK(progress == 3);
    CHECK(waitpid(pid, NULL, WNOHANG) == 0);
    write_file(release, "", 0644);
    CHECK_CHILD_EXITS(pid, 0);
    CHECK(unlink(release) == 0);

    /* A failed execve returns to the vfork child; errno travels back through memory. */
    reported_errno = 0;
    pid = vfork();
    if (pid == 0) {
        execve("/nonexistent/unifork-vfork-test", argv_wait, (char *[]){ NULL });
        reported_errno = errno;
        _exit(127);
    }
    CHECK(pid > 0);
    CHECK(reported_errno == ENOENT);
    CHECK_CHILD_EXITS(pid, 127);

    /* clone(CLONE_VM|CLONE_VFORK|SIGCHLD) on a stack of its own: the same as vfork. */
    progress = 0;
    reported_pid = 0;
    start = monotonic_ns();
    pid = clone(vfork_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    CHECK(pid > 0);
    CHECK(progress == 2);
    CHECK(monotonic_ns() - start >= 30000000LL);
    CHECK(reported_pid == pid);
    CHECK_CHILD_EXITS(pid, 7);

    /* ... and released by execve. */
    wait_argv[0] = self;
    wait_argv[1] = "wait-file";
    wait_argv[2] = release;
    progress = 0;
    pid = clone(vfork_exec_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    CHECK(pid > 0);
    CHECK(progress == 5);
    CHECK(waitpid(pid, NULL, WNOHANG) == 0);
    write_file(release, "", 0644);
    CHECK_CHILD_EXITS(pid, 0);
    CHECK(unlink(release) == 0);

    /* CLONE_VFORK without CLONE_VM: suspended all the same, but the child's private writes
     * are its own; only MAP_SHARED memory carries its result. */
    volatile int *shared = shared_memory(4096);
    progress = 0;
    start = monotonic_ns();
    pid = clone(separate_memory_child, stack + sizeof stack, CLONE_VFORK | SIGCHLD, (void *)shared);
    CHECK(pid > 0);
    CHECK(*shared == 9);
    CHECK(progress == 0);
    CHECK(monotonic_ns() - start >= 30000000LL);
    CHECK_CHILD_EXITS(pid, 3);

    /* A vfork child exec'ing a program with checks: the pid is kept and the parent is the
     * vfork caller. */
    char pid_check[32], ppid_check[32];
    progress = 0;
    pid = vfork();
    if (pid == 0) {
        snprintf(pid_check, sizeof pid_check, "pid:%d", (int)getpid());
        snprintf(ppid_check, sizeof ppid_check, "ppid:%d", (int)self_pid);
        execve(self, (char *[]){ self, "--checks", pid_check, ppid_check, "exit:4", NULL }, (char *[]){ NULL });
        _exit(99);
    }
    CHECK(pid > 0);
    CHECK_CHILD_EXITS(pid, 4);

    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    remove_scratch_directory(directory);
    return check_passed("vfork");
}
