/* The futex system call, raw, with threads as waiters, in both its shared and its
 * FUTEX_PRIVATE_FLAG forms: FUTEX_WAIT on a changed value (EAGAIN), with relative timeouts
 * (ETIMEDOUT after at least the time), invalid arguments (EINVAL, EFAULT, ENOSYS);
 * FUTEX_WAKE returning how many it woke; FUTEX_REQUEUE and FUTEX_CMP_REQUEUE returning woken
 * plus requeued (and EAGAIN on a changed value); FUTEX_WAIT_BITSET with absolute timeouts on
 * CLOCK_MONOTONIC or CLOCK_REALTIME, and FUTEX_WAKE_BITSET waking only matching waiters.
 *
 * Counting blocked waiters without races: FUTEX_CMP_REQUEUE with nr_wake 0 moves every
 * waiter to a second futex and returns how many it moved; repeated until all have moved, it
 * proves they were all blocked in the kernel. */
#define _GNU_SOURCE
#include "proc.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>

static int private_flag;

static long futex_op(int *address, int op, int value, const struct timespec *timeout, int *address2, int value3)
{
    return futex(address, op | private_flag, value, timeout, address2, value3);
}

/* nr_requeue travels in the timeout argument. */
static long requeue(int *from, int op, int wake, int move, int *to, int expected)
{
    return syscall(SYS_futex, from, op | private_flag, wake, (long)move, to, expected);
}

/* Moves every waiter of from to to until count of them have moved. */
static void wait_blocked(int *from, int *to, int count)
{
    long moved = 0;
    long long deadline = monotonic_ns() + 10000000000LL;
    while (moved < count) {
        long result = requeue(from, FUTEX_CMP_REQUEUE, 0, INT_MAX, to, *from);
        CHECK(result >= 0);
        moved += result;
        CHECK(monotonic_ns() < deadline);
        if (moved < count)
            sleep_ms(1);
    }
    CHECK(moved == count);
}

static int word1, word2, word3;
static atomic_int released;

static void *waiter(void *arg)
{
    (void)arg;
    while (!atomic_load(&released)) {
        long result = futex_op(&word1, FUTEX_WAIT, 0, NULL, NULL, 0);
        CHECK(result == 0 || errno == EAGAIN || errno == EINTR);
    }
    return NULL;
}

static int bitset_word, bitset_parking;
static atomic_int bitset_done[2];

static void *bitset_waiter(void *arg)
{
    int index = (int)(intptr_t)arg;
    while (!atomic_load(&bitset_done[index])) {
        long result = futex_op(&bitset_word, FUTEX_WAIT_BITSET, 0, NULL, NULL, 1 << index);
        CHECK(result == 0 || errno == EAGAIN || errno == EINTR);
    }
    return NULL;
}

static int notify_word;

static void *notifier(void *arg)
{
    (void)arg;
    sleep_ms(20);
    __atomic_store_n(&notify_word, 1, __ATOMIC_SEQ_CST);
    CHECK(futex_op(&notify_word, FUTEX_WAKE, 1, NULL, NULL, 0) >= 0);
    return NULL;
}

static struct timespec absolute_in(clockid_t clock, long ms)
{
    struct timespec t;
    CHECK(clock_gettime(clock, &t) == 0);
    t.tv_nsec += ms * 1000000L;
    t.tv_sec += t.tv_nsec / 1000000000L;
    t.tv_nsec %= 1000000000L;
    return t;
}

static void run(int flag)
{
    private_flag = flag;
    int word = 1;

    /* The value differs: EAGAIN at once. No waiters: wake returns 0. */
    CHECK_ERRNO(futex_op(&word, FUTEX_WAIT, 0, NULL, NULL, 0), EAGAIN);
    CHECK(futex_op(&word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) == 0);
    CHECK(futex_op(&word, FUTEX_WAKE, 1, NULL, NULL, 0) == 0);

    /* Relative timeouts. */
    struct timespec timeout = { .tv_nsec = 20000000L };
    long long start = monotonic_ns();
    CHECK_ERRNO(futex_op(&word, FUTEX_WAIT, 1, &timeout, NULL, 0), ETIMEDOUT);
    CHECK(monotonic_ns() - start >= 20000000LL);
    struct timespec zero = { 0, 0 };
    CHECK_ERRNO(futex_op(&word, FUTEX_WAIT, 1, &zero, NULL, 0), ETIMEDOUT);

    /* Invalid arguments. */
    struct timespec bad = { .tv_nsec = 1000000000L }, negative = { .tv_sec = -1 };
    CHECK_ERRNO(futex_op(&word, FUTEX_WAIT, 1, &bad, NULL, 0), EINVAL);
    CHECK_ERRNO(futex_op(&word, FUTEX_WAIT, 1, &negative, NULL, 0), EINVAL);
    int *misaligned = (int *)((char *)&word + 1);
    CHECK_ERRNO(futex_op(misaligned, FUTEX_WAIT, 1, &zero, NULL, 0), EINVAL);
    CHECK_ERRNO(futex_op(misaligned, FUTEX_WAKE, 1, NULL, NULL, 0), EINVAL);
    CHECK_ERRNO(futex_op((int *)(uintptr_t)4096, FUTEX_WAIT, 0, &zero, NULL, 0), EFAULT);
    CHECK_ERRNO(futex_op(&word, 99, 0, NULL, NULL, 0), ENOSYS);
    CHECK_ERRNO(futex_op(&word, FUTEX_WAIT_BITSET, 1, NULL, NULL, 0), EINVAL);
    CHECK_ERRNO(futex_op(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0), EINVAL);
    CHECK_ERRNO(requeue(&word, FUTEX_CMP_REQUEUE, 1, 1, &word2, 0), EAGAIN); /* word is 1 */
    CHECK(requeue(&word, FUTEX_CMP_REQUEUE, 1, 1, &word2, 1) == 0);

    /* WAIT_BITSET's timeout is absolute: on CLOCK_MONOTONIC, or CLOCK_REALTIME if asked. */
    struct timespec deadline = absolute_in(CLOCK_MONOTONIC, 20);
    start = monotonic_ns();
    CHECK_ERRNO(futex_op(&word, FUTEX_WAIT_BITSET, 1, &deadline, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
    CHECK(monotonic_ns() - start >= 15000000LL);
    deadline = (struct timespec) { .tv_nsec = 1 }; /* long past */
    CHECK_ERRNO(futex_op(&word, FUTEX_WAIT_BITSET, 1, &deadline, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
    deadline = absolute_in(CLOCK_REALTIME, 20);
    start = monotonic_ns();
    CHECK_ERRNO(futex_op(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 1, &deadline, NULL, FUTEX_BITSET_MATCH_ANY),
        ETIMEDOUT);
    CHECK(monotonic_ns() - start >= 15000000LL);

    /* Woken by another thread's FUTEX_WAKE. */
    notify_word = 0;
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, notifier, NULL) == 0);
    while (!__atomic_load_n(&notify_word, __ATOMIC_SEQ_CST)) {
        struct timespec long_timeout = { .tv_sec = 20 };
        long result = futex_op(&notify_word, FUTEX_WAIT, 0, &long_timeout, NULL, 0);
        CHECK(result == 0 || errno == EAGAIN);
    }
    CHECK(pthread_join(thread, NULL) == 0);

    /* Three waiters; counts of woken and requeued ones. */
    word1 = word2 = word3 = 0;
    atomic_store(&released, 0);
    pthread_t waiters[3];
    for (int i = 0; i < 3; ++i)
        CHECK(pthread_create(&waiters[i], NULL, waiter, NULL) == 0);
    wait_blocked(&word1, &word2, 3);
    CHECK(futex_op(&word1, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) == 0);
    atomic_store(&released, 1);
    if (!flag) {
        /* REQUEUE: one woken, one moved to word3, one left on word2. */
        CHECK(requeue(&word2, FUTEX_REQUEUE, 1, 1, &word3, 0) == 2);
        CHECK(futex_op(&word2, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) == 1);
        CHECK(futex_op(&word3, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) == 1);
    } else {
        /* WAKE wakes at most the number asked for. */
        CHECK(futex_op(&word2, FUTEX_WAKE, 2, NULL, NULL, 0) == 2);
        CHECK(futex_op(&word2, FUTEX_WAKE, 5, NULL, NULL, 0) == 1);
    }
    CHECK(futex_op(&word2, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) == 0);
    CHECK(futex_op(&word3, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) == 0);
    for (int i = 0; i < 3; ++i)
        CHECK(pthread_join(waiters[i], NULL) == 0);

    /* Bitsets: waiter i waits with bit i; a wake wakes only waiters whose bits it shares. */
    bitset_word = bitset_parking = 0;
    atomic_store(&bitset_done[0], 0);
    atomic_store(&bitset_done[1], 0);
    pthread_t bitset_waiters[2];
    for (int i = 0; i < 2; ++i)
        CHECK(pthread_create(&bitset_waiters[i], NULL, bitset_waiter, (void *)(intptr_t)i) == 0);
    wait_blocked(&bitset_word, &bitset_parking, 2);
    CHECK(requeue(&bitset_parking, FUTEX_CMP_REQUEUE, 0, INT_MAX, &bitset_word, 0) == 2);
    CHECK(futex_op(&bitset_word, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 0x4) == 0);
    atomic_store(&bitset_done[1], 1);
    CHECK(futex_op(&bitset_word, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 0x2 | 0x8) == 1);
    CHECK(pthread_join(bitset_waiters[1], NULL) == 0);
    atomic_store(&bitset_done[0], 1);
    CHECK(futex_op(&bitset_word, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, FUTEX_BITSET_MATCH_ANY) == 1);
    CHECK(pthread_join(bitset_waiters[0], NULL) == 0);
    CHECK(futex_op(&bitset_word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) == 0);
}

int main(void)
{
    run(0);
    run(FUTEX_PRIVATE_FLAG);
    return check_passed("futex");
}
