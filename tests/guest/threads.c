/* POSIX threads (musl's, on clone(CLONE_THREAD|...) and futexes): create and join with
 * return values, one pid and distinct tids, thread-local storage per thread (initialised from
 * the TLS image, not from the creator's values), a mutex under contention, a condition
 * variable producer/consumer, detached threads, pthread_once, a barrier, semaphores, and
 * robust mutexes whose owner thread exits (EOWNERDEAD, then consistent or unrecoverable). */
#define _GNU_SOURCE
#include "proc.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>

static __thread int tls_data = 42;
static __thread int tls_bss;

static atomic_int identified;

struct identity {
    int index;
    int wait_for; /* stay alive until this many threads have identified themselves */
    pid_t pid;
    pid_t tid;
    int *tls_address;
};

static void *identify(void *arg)
{
    struct identity *identity = arg;
    CHECK(tls_data == 42 && tls_bss == 0);
    tls_data = 1000 + identity->index;
    tls_bss = identity->index;
    identity->pid = getpid();
    identity->tid = gettid();
    identity->tls_address = &tls_data;
    atomic_fetch_add(&identified, 1);
    WAIT_UNTIL(identified >= identity->wait_for, 10000);
    for (int i = 0; i < 10; ++i) {
        sched_yield();
        CHECK(tls_data == 1000 + identity->index && tls_bss == identity->index);
    }
    return (void *)(intptr_t)(identity->index * 3 + 1);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *increment(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5000; ++i) {
        CHECK(pthread_mutex_lock(&lock) == 0);
        long value = counter;
        if (i % 100 == 0)
            sched_yield(); /* let others contend while the lock is held */
        counter = value + 1;
        CHECK(pthread_mutex_unlock(&lock) == 0);
    }
    return NULL;
}

/* A bounded queue. */
#define QUEUE_SIZE 4
#define ITEMS_PER_PRODUCER 1000
static struct {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    int items[QUEUE_SIZE];
    int head, count, producers_left;
} queue = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, 0, 0, 2 };

static void *produce(void *arg)
{
    int base = (int)(intptr_t)arg;
    for (int i = 1; i <= ITEMS_PER_PRODUCER; ++i) {
        CHECK(pthread_mutex_lock(&queue.lock) == 0);
        while (queue.count == QUEUE_SIZE)
            CHECK(pthread_cond_wait(&queue.not_full, &queue.lock) == 0);
        queue.items[(queue.head + queue.count++) % QUEUE_SIZE] = base + i;
        CHECK(pthread_cond_signal(&queue.not_empty) == 0);
        CHECK(pthread_mutex_unlock(&queue.lock) == 0);
    }
    CHECK(pthread_mutex_lock(&queue.lock) == 0);
    --queue.producers_left;
    CHECK(pthread_cond_broadcast(&queue.not_empty) == 0);
    CHECK(pthread_mutex_unlock(&queue.lock) == 0);
    return NULL;
}

static void *consume(void *arg)
{
    long long *sum = arg;
    for (;;) {
        CHECK(pthread_mutex_lock(&queue.lock) == 0);
        while (queue.count == 0 && queue.producers_left > 0)
            CHECK(pthread_cond_wait(&queue.not_empty, &queue.lock) == 0);
        if (queue.count == 0) {
            CHECK(pthread_mutex_unlock(&queue.lock) == 0);
            return NULL;
        }
        int item = queue.items[queue.head];
        queue.head = (queue.head + 1) % QUEUE_SIZE;
        --queue.count;
        CHECK(pthread_cond_signal(&queue.not_full) == 0);
        CHECK(pthread_mutex_unlock(&queue.lock) == 0);
        *sum += item;
    }
}

static pthread_mutex_t detached_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t detached_done = PTHREAD_COND_INITIALIZER;
static int detached_count;

static void *detached(void *arg)
{
    (void)arg;
    sleep_ms(5);
    CHECK(pthread_mutex_lock(&detached_lock) == 0);
    ++detached_count;
    CHECK(pthread_cond_broadcast(&detached_done) == 0);
    CHECK(pthread_mutex_unlock(&detached_lock) == 0);
    return NULL;
}

static void *detach_self(void *arg)
{
    CHECK(pthread_detach(pthread_self()) == 0);
    return detached(arg);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int once_runs;

static void once_routine(void)
{
    sleep_ms(10);
    atomic_fetch_add(&once_runs, 1);
}

static void *run_once(void *arg)
{
    (void)arg;
    CHECK(pthread_once(&once, once_routine) == 0);
    CHECK(once_runs == 1);
    return NULL;
}

#define BARRIER_THREADS 4
#define BARRIER_ROUNDS 3
static pthread_barrier_t barrier;
static atomic_int arrived;
static atomic_int serial_count;

static void *barrier_worker(void *arg)
{
    (void)arg;
    for (int round = 0; round < BARRIER_ROUNDS; ++round) {
        atomic_fetch_add(&arrived, 1);
        int result = pthread_barrier_wait(&barrier);
        CHECK(result == 0 || result == PTHREAD_BARRIER_SERIAL_THREAD);
        if (result == PTHREAD_BARRIER_SERIAL_THREAD)
            atomic_fetch_add(&serial_count, 1);
        /* Everyone of this round arrived before anyone left. */
        CHECK(arrived >= BARRIER_THREADS * (round + 1));
        result = pthread_barrier_wait(&barrier); /* keeps the rounds apart */
        CHECK(result == 0 || result == PTHREAD_BARRIER_SERIAL_THREAD);
        if (result == PTHREAD_BARRIER_SERIAL_THREAD)
            atomic_fetch_add(&serial_count, 1);
    }
    return NULL;
}

static sem_t ping, pong;

static void *ponger(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; ++i) {
        CHECK(sem_wait(&ping) == 0);
        CHECK(sem_post(&pong) == 0);
    }
    return NULL;
}

static pthread_mutex_t robust;

static void *lock_and_exit(void *arg)
{
    (void)arg;
    CHECK(pthread_mutex_lock(&robust) == 0);
    return NULL; /* exits holding the mutex */
}

int main(void)
{
    pid_t pid = getpid();
    CHECK(gettid() == pid); /* the main thread's tid is the pid */
    tls_data = 7;

    /* Create and join, return values, identities, TLS; all alive at once, so their tids and
     * TLS blocks cannot be reused ones. */
    enum { THREADS = 16 };
    pthread_t threads[THREADS];
    struct identity identities[THREADS];
    for (int i = 0; i < THREADS; ++i) {
        identities[i] = (struct identity) { .index = i, .wait_for = THREADS };
        CHECK(pthread_create(&threads[i], NULL, identify, &identities[i]) == 0);
    }
    for (int i = 0; i < THREADS; ++i) {
        void *result = NULL;
        CHECK(pthread_join(threads[i], &result) == 0);
        CHECK(result == (void *)(intptr_t)(i * 3 + 1));
        CHECK(identities[i].pid == pid);
        CHECK(identities[i].tid > 0 && identities[i].tid != pid);
        CHECK(identities[i].tls_address != &tls_data);
        for (int j = 0; j < i; ++j) {
            CHECK(identities[j].tid != identities[i].tid || identities[j].tid == 0);
            CHECK(identities[j].tls_address != identities[i].tls_address);
        }
    }
    CHECK(tls_data == 7 && tls_bss == 0);
    CHECK(gettid() == pid && getpid() == pid);
    /* Joining a thread that exited long ago. */
    struct identity late = { .index = 99 };
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, identify, &late) == 0);
    sleep_ms(20);
    void *result = NULL;
    CHECK(pthread_join(thread, &result) == 0);
    CHECK(result == (void *)(intptr_t)(99 * 3 + 1));
    CHECK(pthread_equal(pthread_self(), pthread_self()));

    /* A contended mutex. */
    pthread_t incrementers[4];
    for (int i = 0; i < 4; ++i)
        CHECK(pthread_create(&incrementers[i], NULL, increment, NULL) == 0);
    for (int i = 0; i < 4; ++i)
        CHECK(pthread_join(incrementers[i], NULL) == 0);
    CHECK(counter == 4 * 5000);
    CHECK(pthread_mutex_trylock(&lock) == 0);
    CHECK(pthread_mutex_trylock(&lock) == EBUSY);
    CHECK(pthread_mutex_unlock(&lock) == 0);

    /* Producers and consumers through a condition variable. */
    pthread_t producers[2], consumers[2];
    long long sums[2] = { 0, 0 };
    for (int i = 0; i < 2; ++i) {
        CHECK(pthread_create(&consumers[i], NULL, consume, &sums[i]) == 0);
        CHECK(pthread_create(&producers[i], NULL, produce, (void *)(intptr_t)(i * 100000)) == 0);
    }
    for (int i = 0; i < 2; ++i) {
        CHECK(pthread_join(producers[i], NULL) == 0);
        CHECK(pthread_join(consumers[i], NULL) == 0);
    }
    long long per_producer = (long long)ITEMS_PER_PRODUCER * (ITEMS_PER_PRODUCER + 1) / 2;
    CHECK(sums[0] + sums[1] == 2 * per_producer + 100000LL * ITEMS_PER_PRODUCER);

    /* A condition variable wait with a timeout that expires. */
    struct timespec deadline;
    CHECK(clock_gettime(CLOCK_REALTIME, &deadline) == 0);
    deadline.tv_nsec += 20000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_nsec -= 1000000000L;
        deadline.tv_sec += 1;
    }
    long long start = monotonic_ns();
    CHECK(pthread_mutex_lock(&detached_lock) == 0);
    CHECK(pthread_cond_timedwait(&detached_done, &detached_lock, &deadline) == ETIMEDOUT);
    CHECK(pthread_mutex_unlock(&detached_lock) == 0);
    CHECK(monotonic_ns() - start >= 15000000LL);

    /* Detached threads: created detached, detached by the creator, detaching themselves. */
    pthread_attr_t attributes;
    CHECK(pthread_attr_init(&attributes) == 0);
    CHECK(pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED) == 0);
    CHECK(pthread_create(&thread, &attributes, detached, NULL) == 0);
    CHECK(pthread_attr_destroy(&attributes) == 0);
    CHECK(pthread_create(&thread, NULL, detached, NULL) == 0);
    CHECK(pthread_detach(thread) == 0);
    CHECK(pthread_create(&thread, NULL, detach_self, NULL) == 0);
    CHECK(pthread_mutex_lock(&detached_lock) == 0);
    while (detached_count < 3)
        CHECK(pthread_cond_wait(&detached_done, &detached_lock) == 0);
    CHECK(pthread_mutex_unlock(&detached_lock) == 0);

    /* A small stack given by the caller. */
    CHECK(pthread_attr_init(&attributes) == 0);
    CHECK(pthread_attr_setstacksize(&attributes, PTHREAD_STACK_MIN + 64 * 1024) == 0);
    late.index = 5;
    CHECK(pthread_create(&thread, &attributes, identify, &late) == 0);
    CHECK(pthread_join(thread, &result) == 0);
    CHECK(result == (void *)(intptr_t)(5 * 3 + 1));
    CHECK(pthread_attr_destroy(&attributes) == 0);

    /* pthread_once runs the routine once, and the others wait for it. */
    pthread_t once_threads[4];
    for (int i = 0; i < 4; ++i)
        CHECK(pthread_create(&once_threads[i], NULL, run_once, NULL) == 0);
    for (int i = 0; i < 4; ++i)
        CHECK(pthread_join(once_threads[i], NULL) == 0);
    CHECK(once_runs == 1);

    /* A barrier: exactly one serial thread per round. */
    CHECK(pthread_barrier_init(&barrier, NULL, BARRIER_THREADS) == 0);
    pthread_t barrier_threads[BARRIER_THREADS];
    for (int i = 0; i < BARRIER_THREADS; ++i)
        CHECK(pthread_create(&barrier_threads[i], NULL, barrier_worker, NULL) == 0);
    for (int i = 0; i < BARRIER_THREADS; ++i)
        CHECK(pthread_join(barrier_threads[i], NULL) == 0);
    CHECK(serial_count == 2 * BARRIER_ROUNDS);
    CHECK(arrived == BARRIER_THREADS * BARRIER_ROUNDS);
    CHECK(pthread_barrier_destroy(&barrier) == 0);

    /* Semaphores ping-pong. */
    CHECK(sem_init(&ping, 0, 0) == 0);
    CHECK(sem_init(&pong, 0, 0) == 0);
    CHECK(pthread_create(&thread, NULL, ponger, NULL) == 0);
    for (int i = 0; i < 100; ++i) {
        CHECK(sem_post(&ping) == 0);
        CHECK(sem_wait(&pong) == 0);
    }
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(sem_trywait(&pong) == -1 && errno == EAGAIN);

    /* A robust mutex whose owner exits: the next locker gets EOWNERDEAD and owns it; made
     * consistent it works again; left inconsistent it becomes unrecoverable. */
    pthread_mutexattr_t mutex_attributes;
    CHECK(pthread_mutexattr_init(&mutex_attributes) == 0);
    CHECK(pthread_mutexattr_setrobust(&mutex_attributes, PTHREAD_MUTEX_ROBUST) == 0);
    CHECK(pthread_mutex_init(&robust, &mutex_attributes) == 0);
    CHECK(pthread_create(&thread, NULL, lock_and_exit, NULL) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(pthread_mutex_lock(&robust) == EOWNERDEAD);
    CHECK(pthread_mutex_consistent(&robust) == 0);
    CHECK(pthread_mutex_unlock(&robust) == 0);
    CHECK(pthread_mutex_lock(&robust) == 0);
    CHECK(pthread_mutex_unlock(&robust) == 0);
    CHECK(pthread_create(&thread, NULL, lock_and_exit, NULL) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(pthread_mutex_trylock(&robust) == EOWNERDEAD);
    CHECK(pthread_mutex_unlock(&robust) == 0);
    CHECK(pthread_mutex_lock(&robust) == ENOTRECOVERABLE);
    CHECK(pthread_mutexattr_destroy(&mutex_attributes) == 0);

    return check_passed("threads");
}
