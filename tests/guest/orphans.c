/* Orphans: when a process exits, its children are re-parented. Without a subreaper of our
 * own the new parent is whatever the system's reaper is (init, or a subreaper above us), so
 * only the change itself is checked. With PR_SET_CHILD_SUBREAPER the orphaned grandchildren
 * become this process's children: their getppid() is our pid and we reap them, whether they
 * were still running or already zombies when their parent exited. The attribute is not
 * inherited by fork. */
#define _GNU_SOURCE
#include "proc.h"

#include <stdatomic.h>
#include <sys/prctl.h>

struct shared {
    atomic_int grandchild;
    atomic_int before;
    atomic_int after;
    atomic_int done;
};

/* Forks a child that forks a grandchild and exits as soon as the grandchild has recorded its
 * parent. The grandchild waits for its parent to die, records its new parent, exits with
 * code. Returns the child's pid. */
static pid_t orphan_a_grandchild(struct shared *shared, int code)
{
    memset(shared, 0, sizeof *shared);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        pid_t me = getpid();
        int subreaper = -1;
        CHECK(prctl(PR_GET_CHILD_SUBREAPER, &subreaper) == 0);
        CHECK(subreaper == 0);
        pid_t grandchild = fork();
        CHECK(grandchild >= 0);
        if (grandchild == 0) {
            shared->before = getppid();
            WAIT_UNTIL(getppid() != me, 20000);
            shared->after = getppid();
            shared->done = 1;
            _exit(code);
        }
        shared->grandchild = grandchild;
        WAIT_UNTIL(shared->before != 0, 20000);
        _exit(0);
    }
    return child;
}

int main(void)
{
    struct shared *shared = shared_memory(4096);

    /* Re-parented to the system's reaper; it exits on its own, nobody here waits for it. */
    pid_t child = orphan_a_grandchild(shared, 0);
    CHECK_CHILD_EXITS(child, 0);
    WAIT_UNTIL(shared->done, 20000);
    CHECK(shared->before == child);
    CHECK(shared->after != child);
    CHECK_ERRNO(waitpid(shared->grandchild, NULL, WNOHANG), ECHILD);

    /* With this process as subreaper, the orphan is ours. */
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
    int subreaper = -1;
    CHECK(prctl(PR_GET_CHILD_SUBREAPER, &subreaper) == 0);
    CHECK(subreaper == 1);
    child = orphan_a_grandchild(shared, 42);
    CHECK_CHILD_EXITS(child, 0);
    CHECK(shared->before == child);
    CHECK_CHILD_EXITS(shared->grandchild, 42);
    CHECK(shared->done);
    CHECK(shared->after == getpid());

    /* A grandchild that is already a zombie when its parent exits is ours to reap too. */
    memset(shared, 0, sizeof *shared);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        pid_t grandchild = fork();
        CHECK(grandchild >= 0);
        if (grandchild == 0)
            _exit(43);
        shared->grandchild = grandchild;
        siginfo_t info;
        CHECK(waitid(P_PID, grandchild, &info, WEXITED | WNOWAIT) == 0);
        _exit(0); /* without reaping it */
    }
    CHECK_CHILD_EXITS(child, 0);
    CHECK(shared->grandchild > 0);
    CHECK_CHILD_EXITS(shared->grandchild, 43);

    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 0) == 0);
    CHECK(prctl(PR_GET_CHILD_SUBREAPER, &subreaper) == 0);
    CHECK(subreaper == 0);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    return check_passed("orphans");
}
