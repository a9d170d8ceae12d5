/* Process-shared robust mutexes in shared memory, whose owner process dies holding them.
 * Here the kernel does the work (musl handles a dying thread's list itself, a dying process's
 * is walked by the kernel from set_robust_list): it marks the mutex FUTEX_OWNER_DIED and wakes
 * a waiter, so the next locker gets EOWNERDEAD, also when it was already blocked in the lock.
 * The same happens when the owner execs, and when it is killed by SIGKILL.
 *
 * SELF --checks ...: see proc.h (the image the owner execs). */
#define _GNU_SOURCE
#include "proc.h"

#include <pthread.h>
#include <stdatomic.h>

struct shared {
    pthread_mutex_t mutex;
    atomic_int locked;
};

static struct shared *shared;

/* pthread_mutex_lock, but failing with ETIMEDOUT after 10 s instead of hanging when the owner's
 * death goes unnoticed. */
static int lock(void)
{
    struct timespec deadline;
    CHECK(clock_gettime(CLOCK_REALTIME, &deadline) == 0);
    deadline.tv_sec += 10;
    return pthread_mutex_timedlock(&shared->mutex, &deadline);
}

/* The next lock finds the owner dead; made consistent, the mutex works again. */
static void recover(void)
{
    CHECK(lock() == EOWNERDEAD);
    CHECK(pthread_mutex_consistent(&shared->mutex) == 0);
    CHECK(pthread_mutex_unlock(&shared->mutex) == 0);
    CHECK(lock() == 0);
    CHECK(pthread_mutex_unlock(&shared->mutex) == 0);
}

/* A child that locks the mutex, announces it, then does what is asked. */
static pid_t lock_in_child(const char *then, char *self)
{
    shared->locked = 0;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK(pthread_mutex_lock(&shared->mutex) == 0);
        shared->locked = 1;
        if (!strcmp(then, "exit"))
            _exit(0);
        if (!strcmp(then, "sleep-exit")) {
            sleep_ms(50);
            _exit(0);
        }
        if (!strcmp(then, "exec")) {
            execve(self, (char *[]){ self, "--checks", "exit:5", NULL }, (char *[]){ NULL });
            _exit(99);
        }
        if (!strcmp(then, "unlock")) {
            CHECK(pthread_mutex_unlock(&shared->mutex) == 0);
            _exit(0);
        }
        for (;;)
            sleep_ms(1000); /* "hold": until killed */
    }
    WAIT_UNTIL(shared->locked, 20000);
    return pid;
}

int main(int argc, char **argv)
{
    if (IS_CHECKS_MODE(argc, argv))
        return run_checks(argc, argv);
    shared = shared_memory(4096);
    pthread_mutexattr_t attributes;
    CHECK(pthread_mutexattr_init(&attributes) == 0);
    CHECK(pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED) == 0);
    CHECK(pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST) == 0);
    CHECK(pthread_mutex_init(&shared->mutex, &attributes) == 0);
    CHECK(pthread_mutexattr_destroy(&attributes) == 0);

    /* Unlocked properly: nothing special. */
    CHECK_CHILD_EXITS(lock_in_child("unlock", argv[0]), 0);
    CHECK(lock() == 0);
    CHECK(pthread_mutex_unlock(&shared->mutex) == 0);

    /* The owner exits holding it. */
    CHECK_CHILD_EXITS(lock_in_child("exit", argv[0]), 0);
    recover();

    /* The owner is killed holding it. */
    pid_t pid = lock_in_child("hold", argv[0]);
    CHECK(pthread_mutex_trylock(&shared->mutex) == EBUSY);
    CHECK(kill(pid, SIGKILL) == 0);
    CHECK_SIGNALED(WAIT_FOR(pid), SIGKILL);
    recover();

    /* The owner execs holding it: its old memory, robust list included, is released. */
    CHECK_CHILD_EXITS(lock_in_child("exec", argv[0]), 5);
    recover();

    /* We are blocked in the lock when the owner exits: the kernel wakes us. */
    pid = lock_in_child("sleep-exit", argv[0]);
    CHECK(lock() == EOWNERDEAD);
    CHECK(pthread_mutex_consistent(&shared->mutex) == 0);
    CHECK(pthread_mutex_unlock(&shared->mutex) == 0);
    CHECK_CHILD_EXITS(pid, 0);

    /* Left inconsistent, it becomes unrecoverable for everyone. */
    CHECK_CHILD_EXITS(lock_in_child("exit", argv[0]), 0);
    CHECK(lock() == EOWNERDEAD);
    CHECK(pthread_mutex_unlock(&shared->mutex) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK(lock() == ENOTRECOVERABLE);
        _exit(0);
    }
    CHECK_CHILD_EXITS(pid, 0);

    return check_passed("robust");
}
