/* Clocks and sleeping: CLOCK_MONOTONIC moves forward, nanosleep(50 ms) sleeps at least 50 ms. */
#include "check.h"

#include <time.h>

static long long nanoseconds(const struct timespec *t)
{
    return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

int main(void)
{
    struct timespec first, second;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &first) == 0);
    CHECK(first.tv_nsec >= 0 && first.tv_nsec < 1000000000L);
    /* Never backwards, and forward within a bounded amount of work. */
    int advanced = 0;
    for (long i = 0; i < 100000000L && !advanced; ++i) {
        CHECK(clock_gettime(CLOCK_MONOTONIC, &second) == 0);
        CHECK(nanoseconds(&second) >= nanoseconds(&first));
        advanced = nanoseconds(&second) > nanoseconds(&first);
    }
    CHECK(advanced);

    struct timespec resolution;
    CHECK(clock_getres(CLOCK_MONOTONIC, &resolution) == 0);
    CHECK(resolution.tv_sec == 0 && resolution.tv_nsec > 0);

    struct timespec realtime;
    CHECK(clock_gettime(CLOCK_REALTIME, &realtime) == 0);
    CHECK(realtime.tv_nsec >= 0 && realtime.tv_nsec < 1000000000L);

    struct timespec request = { .tv_sec = 0, .tv_nsec = 50 * 1000000L }, before, after;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &before) == 0);
    CHECK(nanosleep(&request, NULL) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &after) == 0);
    long long slept = nanoseconds(&after) - nanoseconds(&before);
    if (slept < 50000000LL || slept > 10000000000LL)
        fprintf(stderr, "nanosleep(50 ms) took %lld ns\n", slept);
    CHECK(slept >= 50000000LL);
    CHECK(slept < 10000000000LL);

    struct timespec bad = { .tv_sec = 0, .tv_nsec = 1000000000L };
    CHECK_ERRNO(nanosleep(&bad, NULL), EINVAL);
    struct timespec zero = { 0, 0 };
    CHECK(nanosleep(&zero, NULL) == 0);

    return check_passed("time");
}
