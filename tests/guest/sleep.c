/* Sleeping alongside other processes and threads: a child's nanosleep while the parent
 * blocks in waitpid, concurrent sleepers, usleep, clock_nanosleep with relative and absolute
 * (TIMER_ABSTIME) times, a sleeping thread beside a sleeping main thread. Every sleep lasts
 * at least the requested time; nothing is asserted about how much longer it may take. */
#define _GNU_SOURCE
#include "proc.h"

#include <pthread.h>

#define MS 1000000LL

static void *sleeper(void *arg)
{
    long long start = monotonic_ns();
    sleep_ms((long)(intptr_t)arg);
    CHECK(monotonic_ns() - start >= (intptr_t)arg * MS);
    return NULL;
}

int main(void)
{
    /* A child sleeps while the parent waits for it. */
    long long start = monotonic_ns();
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        struct timespec request = { .tv_nsec = 50 * MS }, remaining = { 1, 1 };
        long long child_start = monotonic_ns();
        CHECK(nanosleep(&request, &remaining) == 0);
        CHECK(monotonic_ns() - child_start >= 50 * MS);
        _exit(0);
    }
    CHECK_CHILD_EXITS(pid, 0);
    CHECK(monotonic_ns() - start >= 50 * MS);

    /* Several children and the parent sleep at the same time. */
    start = monotonic_ns();
    pid_t children[4];
    for (int i = 0; i < 4; ++i) {
        children[i] = fork();
        CHECK(children[i] >= 0);
        if (children[i] == 0) {
            long long child_start = monotonic_ns();
            sleep_ms(40 + 10 * i);
            CHECK(monotonic_ns() - child_start >= (40 + 10 * i) * MS);
            _exit(i);
        }
    }
    sleep_ms(40);
    CHECK(monotonic_ns() - start >= 40 * MS);
    for (int i = 0; i < 4; ++i)
        CHECK_CHILD_EXITS(children[i], i);
    CHECK(monotonic_ns() - start >= 70 * MS);

    /* usleep and clock_nanosleep. */
    start = monotonic_ns();
    CHECK(usleep(30000) == 0);
    CHECK(monotonic_ns() - start >= 30 * MS);
    struct timespec request = { .tv_nsec = 30 * MS };
    start = monotonic_ns();
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &request, NULL) == 0);
    CHECK(monotonic_ns() - start >= 30 * MS);
    start = monotonic_ns();
    CHECK(clock_nanosleep(CLOCK_REALTIME, 0, &request, NULL) == 0);
    CHECK(monotonic_ns() - start >= 30 * MS);
    struct timespec now;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &now) == 0);
    long long target = (long long)now.tv_sec * 1000000000LL + now.tv_nsec + 40 * MS;
    struct timespec deadline = { .tv_sec = target / 1000000000LL, .tv_nsec = target % 1000000000LL };
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL) == 0);
    CHECK(monotonic_ns() >= target);
    /* An absolute time in the past returns at once. */
    struct timespec past = { .tv_sec = 0, .tv_nsec = 1 };
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL) == 0);
    struct timespec bad = { .tv_nsec = 1000000000L };
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL) == EINVAL);
    struct timespec negative = { .tv_sec = -1 };
    CHECK_ERRNO(nanosleep(&negative, NULL), EINVAL);

    /* Threads sleeping beside each other. */
    start = monotonic_ns();
    pthread_t threads[3];
    for (int i = 0; i < 3; ++i)
        CHECK(pthread_create(&threads[i], NULL, sleeper, (void *)(intptr_t)(30 + 10 * i)) == 0);
    sleep_ms(30);
    for (int i = 0; i < 3; ++i)
        CHECK(pthread_join(threads[i], NULL) == 0);
    CHECK(monotonic_ns() - start >= 50 * MS);

    return check_passed("sleep");
}
