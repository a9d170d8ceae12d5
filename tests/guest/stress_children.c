/* 64 children alive at the same time: each announces itself in shared memory, sleeps
 * 200 ms, then stays until all 64 have announced themselves (so at the moment the last one
 * started, all were alive), and exits with its own code. The parent reaps them all with
 * waitpid(-1) and matches each status to the pid that exited with it. */
#define _GNU_SOURCE
#include "proc.h"

#include <stdatomic.h>

#define CHILDREN 64

int main(void)
{
    atomic_int *started = shared_memory(4096);
    pid_t pids[CHILDREN];
    long long start = monotonic_ns();
    for (int i = 0; i < CHILDREN; ++i) {
        pids[i] = fork();
        CHECK(pids[i] >= 0);
        if (pids[i] == 0) {
            atomic_fetch_add(started, 1);
            sleep_ms(200);
            WAIT_UNTIL(atomic_load(started) == CHILDREN, 30000);
            _exit(i + 1);
        }
        for (int j = 0; j < i; ++j)
            CHECK(pids[j] != pids[i]);
    }
    int reaped[CHILDREN] = { 0 };
    for (int n = 0; n < CHILDREN; ++n) {
        int status = -1;
        pid_t pid = waitpid(-1, &status, 0);
        CHECK(pid > 0);
        int index = -1;
        for (int i = 0; i < CHILDREN; ++i)
            if (pids[i] == pid)
                index = i;
        CHECK(index >= 0);
        CHECK(!reaped[index]);
        reaped[index] = 1;
        CHECK_EXITED(status, index + 1);
    }
    CHECK(atomic_load(started) == CHILDREN);
    CHECK(monotonic_ns() - start >= 200000000LL);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    return check_passed("stress_children");
}
