/* Signals at random moments into a tree of processes doing pipe I/O. Three writers (two
 * children of the test and a grandchild) stream numbered records into one pipe, in bursts,
 * sometimes with the signals blocked, sleeping in between; a reader child takes them in reads of
 * random sizes. Meanwhile the test sends random signals to random members: SIGUSR1 and SIGUSR2
 * (handled with SA_RESTART) and real-time signals with random values (sigqueue). Checked: every
 * record arrives exactly once and in order per writer, no call fails with EINTR, each process
 * received exactly the real-time signals sent to it (counts and sums of values: queued, none
 * lost, none duplicated) and between one and all of the standard ones, and everyone exits
 * normally. The seed is random (or argv[1]); it is printed if a check fails. */
#define _GNU_SOURCE
#include "proc.h"

#include <poll.h>
#include <stdint.h>

#define MS 1000000LL
#define WRITERS 3
#define TARGETS (WRITERS + 1) /* 0: the reader, 1..3: the writers */
#define RT_KINDS 3
#define DURATION_MS 300

struct record {
    uint32_t writer, sequence, check, pad[5];
};

struct shared {
    volatile int pids[TARGETS];
    volatile int ready, stop, quiet;
    volatile uint32_t written[WRITERS], received[WRITERS];
    volatile long rt_count[TARGETS][RT_KINDS];
    volatile long long rt_sum[TARGETS][RT_KINDS];
    volatile long standard_count[TARGETS][2];
};
static struct shared *shared;

static unsigned long long seed;
static int passed;

static void print_seed(void)
{
    if (!passed)
        fprintf(stderr, "sig_fuzz: seed %llu (run `sig_fuzz %llu` to repeat)\n", seed, seed);
}

static uint64_t state;
static uint64_t next_random(void)
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ULL;
}
static int random_below(int n)
{
    return (int)(next_random() % (uint64_t)n);
}

static uint32_t check_of(uint32_t writer, uint32_t sequence)
{
    return (writer * 2654435761u) ^ (sequence * 40503u) ^ 0x5a5a5a5au;
}

/* What this process received, published at the end. */
static long rt_count[RT_KINDS];
static long long rt_sum[RT_KINDS];
static long standard_count[2];

static void standard_handler(int signo)
{
    ++standard_count[signo == SIGUSR1 ? 0 : 1];
}

static void rt_handler(int signo, siginfo_t *info, void *context)
{
    (void)context;
    int kind = signo - SIGRTMIN;
    ++rt_count[kind];
    rt_sum[kind] += info->si_value.sival_int;
}

static sigset_t fuzz_signals;

static void install_handlers(void)
{
    sigemptyset(&fuzz_signals);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = standard_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
    CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
    sigaddset(&fuzz_signals, SIGUSR1);
    sigaddset(&fuzz_signals, SIGUSR2);
    sa.sa_sigaction = rt_handler;
    sa.sa_flags = SA_RESTART | SA_SIGINFO;
    for (int kind = 0; kind < RT_KINDS; ++kind) {
        CHECK_OK(sigaction(SIGRTMIN + kind, &sa, NULL));
        sigaddset(&fuzz_signals, SIGRTMIN + kind);
    }
}

static void sleep_us(long us)
{
    struct timespec request = { .tv_sec = 0, .tv_nsec = us * 1000 }, rest;
    while (nanosleep(&request, &rest) != 0) {
        CHECK(errno == EINTR); /* never restarted: the rest is written back */
        request = rest;
    }
}

/* Once the test sends no more: take what is still pending, publish the counts. */
static void report(int target)
{
    WAIT_UNTIL(shared->quiet, 20000);
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &fuzz_signals, NULL));
    getppid(); /* pending signals are delivered on the way back */
    for (int kind = 0; kind < RT_KINDS; ++kind) {
        shared->rt_count[target][kind] = rt_count[kind];
        shared->rt_sum[target][kind] = rt_sum[kind];
    }
    shared->standard_count[target][0] = standard_count[0];
    shared->standard_count[target][1] = standard_count[1];
}

static void writer(int index, int fd)
{
    state = seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(index + 2));
    shared->pids[index + 1] = getpid();
    __atomic_add_fetch(&shared->ready, 1, __ATOMIC_SEQ_CST);
    uint32_t sequence = 0;
    while (!shared->stop) {
        int blocked = random_below(8) == 0;
        if (blocked)
            CHECK_OK(sigprocmask(SIG_BLOCK, &fuzz_signals, NULL));
        int burst = 1 + random_below(40);
        for (int i = 0; i < burst; ++i) {
            struct record record = { .writer = (uint32_t)index, .sequence = sequence, .check = check_of((uint32_t)index, sequence) };
            ssize_t done = write(fd, &record, sizeof record);
            CHECK(done == (ssize_t)sizeof record); /* atomic (under PIPE_BUF), restarted */
            ++sequence;
        }
        if (blocked)
            CHECK_OK(sigprocmask(SIG_UNBLOCK, &fuzz_signals, NULL));
        if (random_below(2))
            sleep_us(random_below(400));
    }
    shared->written[index] = sequence;
    CHECK_OK(close(fd));
    report(index + 1);
}

static void reader(int fd)
{
    state = seed ^ 0x2545f4914f6cdd1dULL;
    shared->pids[0] = getpid();
    __atomic_add_fetch(&shared->ready, 1, __ATOMIC_SEQ_CST);
    static char buffer[8192];
    size_t held = 0;
    for (;;) {
        if (random_below(4) == 0) {
            struct pollfd pfd = { .fd = fd, .events = POLLIN };
            int ready = poll(&pfd, 1, 100);
            CHECK(ready >= 0 || errno == EINTR); /* poll is never restarted */
        }
        size_t want = 1 + (size_t)random_below(1000);
        ssize_t got = read(fd, buffer + held, want);
        CHECK(got >= 0); /* restarted, never EINTR */
        if (got == 0)
            break;
        held += (size_t)got;
        size_t used = 0;
        while (held - used >= sizeof(struct record)) {
            struct record record;
            memcpy(&record, buffer + used, sizeof record);
            used += sizeof record;
            CHECK(record.writer < WRITERS);
            CHECK(record.check == check_of(record.writer, record.sequence));
            CHECK(record.sequence == shared->received[record.writer]); /* in order, once */
            shared->received[record.writer] = record.sequence + 1;
        }
        memmove(buffer, buffer + used, held - used);
        held -= used;
        if (random_below(16) == 0)
            sleep_us(random_below(1000));
    }
    CHECK(held == 0);
    report(0);
}

int main(int argc, char **argv)
{
    seed = argc > 1 ? strtoull(argv[1], NULL, 0) : (unsigned long long)monotonic_ns() ^ ((unsigned long long)getpid() << 32);
    atexit(print_seed);
    shared = shared_memory(sizeof *shared);
    install_handlers();

    int fds[2];
    CHECK_OK(pipe2(fds, O_CLOEXEC));
    pid_t children[3];
    children[0] = fork();
    CHECK(children[0] >= 0);
    if (children[0] == 0) {
        close(fds[1]);
        reader(fds[0]);
        _exit(0);
    }
    for (int i = 0; i < 2; ++i) {
        children[i + 1] = fork();
        CHECK(children[i + 1] >= 0);
        if (children[i + 1] == 0) {
            close(fds[0]);
            pid_t grandchild = -1;
            if (i == 1) {
                grandchild = fork(); /* the third writer */
                CHECK(grandchild >= 0);
                if (grandchild == 0) {
                    writer(2, fds[1]);
                    _exit(0);
                }
            }
            writer(i, fds[1]);
            if (grandchild > 0)
                CHECK_CHILD_EXITS(grandchild, 0);
            _exit(0);
        }
    }
    close(fds[0]);
    close(fds[1]);
    WAIT_UNTIL(shared->ready == TARGETS, 20000);

    /* Random signals to random members at random moments. */
    state = seed;
    long rt_sent[TARGETS][RT_KINDS] = { { 0 } };
    long long rt_sent_sum[TARGETS][RT_KINDS] = { { 0 } };
    long standard_sent[TARGETS][2] = { { 0 } };
    long long end = monotonic_ns() + DURATION_MS * MS;
    while (monotonic_ns() < end) {
        sleep_us(random_below(2000));
        int target = random_below(TARGETS);
        pid_t pid = shared->pids[target];
        if (random_below(2)) {
            int which = random_below(2);
            CHECK_OK(kill(pid, which ? SIGUSR2 : SIGUSR1));
            ++standard_sent[target][which];
        } else {
            int kind = random_below(RT_KINDS);
            int value = (int)(next_random() >> 33) - (1 << 30);
            if (sigqueue(pid, SIGRTMIN + kind, (union sigval){ .sival_int = value }) == 0) {
                ++rt_sent[target][kind];
                rt_sent_sum[target][kind] += value;
            } else {
                CHECK(errno == EAGAIN); /* the queue limit: not sent */
            }
        }
    }
    shared->quiet = 1;
    shared->stop = 1;
    for (int i = 0; i < 3; ++i)
        CHECK_CHILD_EXITS(children[i], 0);

    for (int w = 0; w < WRITERS; ++w) {
        CHECK(shared->written[w] > 0);
        CHECK(shared->received[w] == shared->written[w]);
    }
    long total = 0;
    for (int target = 0; target < TARGETS; ++target) {
        for (int kind = 0; kind < RT_KINDS; ++kind) {
            if (shared->rt_count[target][kind] != rt_sent[target][kind] ||
                shared->rt_sum[target][kind] != rt_sent_sum[target][kind])
                fprintf(stderr, "target %d, SIGRTMIN+%d: %ld received (sum %lld), %ld sent (sum %lld)\n", target, kind,
                    shared->rt_count[target][kind], shared->rt_sum[target][kind], rt_sent[target][kind],
                    rt_sent_sum[target][kind]);
            CHECK(shared->rt_count[target][kind] == rt_sent[target][kind]);
            CHECK(shared->rt_sum[target][kind] == rt_sent_sum[target][kind]);
            total += rt_sent[target][kind];
        }
        for (int which = 0; which < 2; ++which) {
            long got = shared->standard_count[target][which], sent = standard_sent[target][which];
            CHECK(got <= sent);
            CHECK(sent == 0 || got >= 1);
            total += sent;
        }
    }
    CHECK(total > 0);
    passed = 1;
    return check_passed("sig_fuzz");
}
