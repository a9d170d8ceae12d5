/*
 * Microbenchmarks that run unchanged in unifork and in a Linux guest.
 *
 * Build: musl-gcc -static -O2 -o microbench microbench.c
 *
 * Usage: microbench [--poweroff] [--repeat N] [--min-ms MS] [--self PATH] NAME...
 *        microbench --list         names of the benchmarks, one a line
 *        microbench --exit         exits 0 at once (the child that spawn/vfork_exec start)
 *        microbench --tsc-khz      prints the TSC frequency in kHz (run on the host)
 *
 * Every benchmark first finds an iteration count whose loop takes at least --min-ms
 * (default 200) of CLOCK_MONOTONIC time, then runs that loop --repeat times (default 5),
 * printing one line per run:
 *
 *     getpid ns_per_op=123.4 iterations=4096 elapsed_ns=505446
 *
 * pipe_throughput adds mib_per_s=...; children64 prints one `children64 ok children=64 ...`
 * line. A benchmark that cannot run prints
 *
 *     NAME fails step=fork errno=38 (Function not implemented)
 *
 * and the next one is tried. The last line is `done failed=K`; the exit status is 0 when
 * nothing failed, 1 otherwise. With --poweroff (the Linux guest, where this program is /init,
 * pid 1) the VM is powered off instead of exiting.
 *
 * The program spawns itself for spawn and vfork_exec: PATH is argv[0] unless --self says
 * otherwise, so run it by an absolute path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *self_path;
static char *const empty_env[] = {NULL};
static int repeat = 5;
static long long min_ns = 200LL * 1000 * 1000;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- failure reporting: the first failure in a run names the step and errno ---- */

static const char *fail_step;
static int fail_errno;

static int fail(const char *step)
{
    if (!fail_step) {
        fail_step = step;
        fail_errno = errno;
    }
    return -1;
}

static int fail_with(const char *step, int err)
{
    errno = err;
    return fail(step);
}

/* waitpid for one child that must exit 0 */
static int reap(pid_t pid, const char *step)
{
    int status;
    pid_t r;
    do
        r = waitpid(pid, &status, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return fail("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fail_with(step, WIFSIGNALED(status) ? EINTR : ECHILD);
    return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0 ? 0 : -1;
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

static int write_full(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- the benchmarks: each runs n iterations, 0 on success ---- */

static int run_getpid(long n)
{
    for (long i = 0; i < n; i++)
        syscall(SYS_getpid);
    return 0;
}

static int run_spawn(long n)
{
    char *argv[] = {(char *)self_path, "--exit", NULL};
    for (long i = 0; i < n; i++) {
        pid_t pid;
        int err = posix_spawn(&pid, self_path, NULL, NULL, argv, empty_env);
        if (err)
            return fail_with("posix_spawn", err);
        if (reap(pid, "child-status"))
            return -1;
    }
    return 0;
}

/* the child never returns from here: it execs or exits */
static __attribute__((noinline)) pid_t vfork_exec_self(void)
{
    static char *argv[] = {NULL, "--exit", NULL};
    argv[0] = (char *)self_path;
    pid_t pid = vfork();
    if (pid == 0) {
        execve(self_path, argv, empty_env);
        _exit(127);
    }
    return pid;
}

static int run_vfork_exec(long n)
{
    for (long i = 0; i < n; i++) {
        pid_t pid = vfork_exec_self();
        if (pid < 0)
            return fail("vfork");
        if (reap(pid, "child-status"))
            return -1;
    }
    return 0;
}

static int run_fork_exit(long n)
{
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        if (pid < 0)
            return fail("fork");
        if (reap(pid, "child-status"))
            return -1;
    }
    return 0;
}

static int run_sigprocmask(long n)
{
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    for (long i = 0; i < n; i++) {
        if (sigprocmask(SIG_BLOCK, &usr1, &old))
            return fail("sigprocmask");
        if (sigprocmask(SIG_SETMASK, &old, NULL))
            return fail("sigprocmask");
    }
    return 0;
}

static volatile sig_atomic_t usr1_count;
static volatile sig_atomic_t stop_requested;

static void on_usr1(int sig)
{
    (void)sig;
    usr1_count++;
}

static void on_usr2(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int install(int sig, void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, NULL);
}

static int run_signal_self(long n)
{
    pid_t me = getpid();
    usr1_count = 0;
    for (long i = 0; i < n; i++)
        if (kill(me, SIGUSR1))
            return fail("kill");
    if (usr1_count != n)
        return fail_with("handler-count", EPROTO);
    return 0;
}

/* ---- benchmarks with a partner process that lives across all runs ---- */

struct partner {
    pid_t pid;
    int to_child;   /* write end */
    int from_child; /* read end */
};

static struct partner partner = {-1, -1, -1};

/* child of pipe_pingpong: echo every byte until end of file */
static void echo_child(int in, int out)
{
    char c;
    for (;;) {
        ssize_t r = read(in, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            _exit(r == 0 ? 0 : 1);
        if (write(out, &c, 1) != 1)
            _exit(1);
    }
}

enum { CHUNK = 64 * 1024 };
static char chunk[CHUNK];

/* child of pipe_throughput: reads an 8-byte count, then that many bytes, acknowledges */
static void sink_child(int in, int out)
{
    static char buf[CHUNK];
    for (;;) {
        uint64_t total;
        int r = read_full(in, &total, sizeof total);
        if (r <= 0)
            _exit(r == 0 ? 0 : 1);
        while (total > 0) {
            ssize_t got = read(in, buf, total < CHUNK ? total : CHUNK);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                _exit(1);
            total -= (uint64_t)got;
        }
        if (write(out, "k", 1) != 1)
            _exit(1);
    }
}

static int start_partner(void (*body)(int, int))
{
    int down[2], up[2];
    if (pipe(down))
        return fail("pipe");
    if (pipe(up))
        return fail("pipe");
    pid_t pid = fork();
    if (pid < 0)
        return fail("fork");
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        body(down[0], up[1]);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    partner.pid = pid;
    partner.to_child = down[1];
    partner.from_child = up[0];
    return 0;
}

static int stop_partner(void)
{
    if (partner.pid < 0)
        return 0;
    close(partner.to_child);
    close(partner.from_child);
    int r = reap(partner.pid, "partner-status");
    partner.pid = -1;
    return r;
}

static int run_pipe_pingpong(long n)
{
    char c = 'x';
    for (long i = 0; i < n; i++) {
        if (write(partner.to_child, &c, 1) != 1)
            return fail("write");
        if (read_full(partner.from_child, &c, 1) != 1)
            return fail_with("read", errno ? errno : EPIPE);
    }
    return 0;
}

static int run_pipe_throughput(long n)
{
    uint64_t total = (uint64_t)n * CHUNK;
    char ack;
    if (write_full(partner.to_child, &total, sizeof total))
        return fail("write");
    for (long i = 0; i < n; i++)
        if (write_full(partner.to_child, chunk, CHUNK))
            return fail("write");
    if (read_full(partner.from_child, &ack, 1) != 1)
        return fail_with("read-ack", errno ? errno : EPIPE);
    return 0;
}

/* signal_pingpong: the child answers every SIGUSR1 with one to its parent; SIGUSR2 stops it */
static void signal_child(pid_t parent)
{
    sigset_t wait_mask;
    sigprocmask(SIG_SETMASK, NULL, &wait_mask);
    sigdelset(&wait_mask, SIGUSR1);
    while (!stop_requested) {
        sigsuspend(&wait_mask);
        while (usr1_count > 0) {
            usr1_count--;
            if (kill(parent, SIGUSR1))
                _exit(1);
        }
    }
    _exit(0);
}

static int start_signal_partner(void)
{
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    if (install(SIGUSR1, on_usr1) || install(SIGUSR2, on_usr2))
        return fail("sigaction");
    if (sigprocmask(SIG_BLOCK, &usr1, NULL))
        return fail("sigprocmask");
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return fail("fork");
    if (pid == 0)
        signal_child(parent);
    partner.pid = pid;
    return 0;
}

static int stop_signal_partner(void)
{
    if (partner.pid < 0)
        return 0;
    if (kill(partner.pid, SIGUSR2))
        fail("kill");
    int r = reap(partner.pid, "partner-status");
    partner.pid = -1;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    return r;
}

static int run_signal_pingpong(long n)
{
    sigset_t wait_mask;
    sigprocmask(SIG_SETMASK, NULL, &wait_mask);
    sigdelset(&wait_mask, SIGUSR1);
    for (long i = 0; i < n; i++) {
        usr1_count = 0;
        if (kill(partner.pid, SIGUSR1))
            return fail("kill");
        while (usr1_count == 0)
            sigsuspend(&wait_mask);
    }
    return 0;
}

/* epoll_wait over 64 pipes: write a byte to one pipe, epoll_wait reports it, read it back */
enum { EPOLL_PIPES = 64 };
static int epoll_fd = -1;
static int epoll_pipes[EPOLL_PIPES][2];

static int start_epoll(void)
{
    epoll_fd = epoll_create1(0);
    if (epoll_fd < 0)
        return fail("epoll_create1");
    for (int i = 0; i < EPOLL_PIPES; i++) {
        if (pipe(epoll_pipes[i]))
            return fail("pipe");
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, epoll_pipes[i][0], &ev))
            return fail("epoll_ctl");
    }
    return 0;
}

static int stop_epoll(void)
{
    for (int i = 0; i < EPOLL_PIPES; i++) {
        close(epoll_pipes[i][0]);
        close(epoll_pipes[i][1]);
    }
    if (epoll_fd >= 0)
        close(epoll_fd);
    epoll_fd = -1;
    return 0;
}

static int run_epoll_wait(long n)
{
    struct epoll_event events[EPOLL_PIPES];
    char c = 'e';
    for (long i = 0; i < n; i++) {
        int which = (int)((i * 37) % EPOLL_PIPES);
        if (write(epoll_pipes[which][1], &c, 1) != 1)
            return fail("write");
        int got = epoll_wait(epoll_fd, events, EPOLL_PIPES, -1);
        if (got < 0)
            return fail("epoll_wait");
        if (got != 1 || events[0].data.u32 != (uint32_t)which)
            return fail_with("epoll-event", EPROTO);
        if (read(epoll_pipes[which][0], &c, 1) != 1)
            return fail("read");
    }
    return 0;
}

static int start_pingpong(void) { return start_partner(echo_child); }
static int start_throughput(void) { return start_partner(sink_child); }

static int start_signal_self(void)
{
    if (install(SIGUSR1, on_usr1))
        return fail("sigaction");
    return 0;
}

/* ---- children64: 64 children alive at once, released together ---- */

enum { CHILDREN = 64 };

static int run_children64(void)
{
    int release[2], ready[2];
    pid_t pids[CHILDREN];
    int started = 0, result = 0;
    long long t0 = now_ns();
    if (pipe(release) || pipe(ready))
        return fail("pipe");
    for (; started < CHILDREN; started++) {
        pid_t pid = fork();
        if (pid < 0) {
            result = fail("fork");
            break;
        }
        if (pid == 0) {
            char c;
            close(release[1]);
            close(ready[0]);
            if (write(ready[1], "r", 1) != 1)
                _exit(1);
            while (read(release[0], &c, 1) < 0 && errno == EINTR)
                ;
            _exit(0);
        }
        pids[started] = pid;
    }
    close(ready[1]);
    char buf[CHILDREN];
    if (result == 0 && read_full(ready[0], buf, CHILDREN) != 1)
        result = fail_with("ready", errno ? errno : EPIPE);
    close(release[1]); /* every child reads end of file and exits */
    close(release[0]);
    close(ready[0]);
    for (int i = 0; i < started; i++)
        if (reap(pids[i], "child-status"))
            result = -1;
    if (result == 0)
        printf("children64 ok children=%d elapsed_ns=%lld\n", CHILDREN, now_ns() - t0);
    return result;
}

/* ---- table and driver ---- */

struct bench {
    const char *name;
    const char *what;
    int (*run)(long n);
    int (*setup)(void);
    int (*teardown)(void);
    long bytes_per_op; /* for throughput */
};

static const struct bench benches[] = {
    {"getpid", "getpid syscall", run_getpid, NULL, NULL, 0},
    {"spawn", "posix_spawn of this program (exits at once) + waitpid", run_spawn, NULL, NULL, 0},
    {"vfork_exec", "vfork + execve of this program (exits at once) + waitpid", run_vfork_exec, NULL, NULL, 0},
    {"fork_exit", "fork + child _exit(0) + waitpid", run_fork_exit, NULL, NULL, 0},
    {"children64", "64 children alive at once, released together (memory: min --mem)", NULL, NULL, NULL, 0},
    {"pipe_pingpong", "1-byte round trip between two processes over two pipes", run_pipe_pingpong, start_pingpong, stop_partner, 0},
    {"pipe_throughput", "64 KiB writes into a pipe read by another process", run_pipe_throughput, start_throughput, stop_partner, CHUNK},
    {"epoll_wait", "write 1 byte to one of 64 pipes, epoll_wait, read it", run_epoll_wait, start_epoll, stop_epoll, 0},
    {"signal_self", "kill(getpid(), SIGUSR1) to handler return", run_signal_self, start_signal_self, NULL, 0},
    {"signal_pingpong", "SIGUSR1 round trip between two processes, handler on each side", run_signal_pingpong, start_signal_partner, stop_signal_partner, 0},
    {"sigprocmask", "one sigprocmask call (block, then restore)", run_sigprocmask, NULL, NULL, 0},
};

static void report_failure(const char *name)
{
    if (!fail_step) {
        fail_step = "unknown";
        fail_errno = 0;
    }
    printf("%s fails step=%s errno=%d (%s)\n", name, fail_step, fail_errno, strerror(fail_errno));
    fail_step = NULL;
}

static int timed(const struct bench *b, long n, long long *elapsed)
{
    long long t0 = now_ns();
    int r = b->run(n);
    *elapsed = now_ns() - t0;
    return r;
}

static int run_bench(const struct bench *b)
{
    fail_step = NULL;
    if (!b->run) {
        if (run_children64()) {
            report_failure(b->name);
            return -1;
        }
        fflush(stdout);
        return 0;
    }
    int result = 0;
    if (b->setup && b->setup()) {
        report_failure(b->name);
        if (b->teardown)
            b->teardown();
        return -1;
    }
    /* find n such that the loop takes at least min_ns */
    long n = 1;
    long long elapsed = 0;
    for (;;) {
        if (timed(b, n, &elapsed)) {
            result = -1;
            break;
        }
        if (elapsed >= min_ns)
            break;
        long next = elapsed > 0 ? (long)((double)n * (double)min_ns * 1.1 / (double)elapsed) : n * 100;
        if (next < 2 * n)
            next = 2 * n;
        if (next > 100 * n)
            next = 100 * n;
        n = next;
    }
    for (int r = 0; result == 0 && r < repeat; r++) {
        if (timed(b, n, &elapsed)) {
            result = -1;
            break;
        }
        double ns = (double)elapsed / (double)n;
        if (b->run == run_sigprocmask)
            ns /= 2; /* two calls per iteration */
        printf("%s ns_per_op=%.1f iterations=%ld elapsed_ns=%lld", b->name, ns, n, elapsed);
        if (b->bytes_per_op)
            printf(" mib_per_s=%.1f bytes_per_op=%ld",
                   (double)b->bytes_per_op * (double)n / (1024.0 * 1024.0) / ((double)elapsed / 1e9),
                   b->bytes_per_op);
        printf("\n");
        fflush(stdout);
    }
    if (b->teardown && b->teardown() && result == 0)
        result = -1;
    if (result)
        report_failure(b->name);
    return result;
}

static unsigned long long rdtsc(void)
{
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((unsigned long long)hi << 32) | lo;
}

static int print_tsc_khz(void)
{
    long long t0 = now_ns();
    unsigned long long c0 = rdtsc();
    while (now_ns() - t0 < 200 * 1000 * 1000)
        ;
    unsigned long long c1 = rdtsc();
    long long t1 = now_ns();
    printf("%.0f\n", (double)(c1 - c0) / ((double)(t1 - t0) / 1e6));
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: microbench [--poweroff] [--repeat N] [--min-ms MS] [--self PATH] NAME...\n"
                    "       microbench --list | --exit | --tsc-khz\n");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--exit") == 0)
        _exit(0);
    int poweroff = 0, i = 1;
    self_path = argv[0];
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--poweroff") == 0)
            poweroff = 1;
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--min-ms") == 0 && i + 1 < argc)
            min_ns = atoll(argv[++i]) * 1000 * 1000;
        else if (strcmp(argv[i], "--self") == 0 && i + 1 < argc)
            self_path = argv[++i];
        else if (strcmp(argv[i], "--list") == 0) {
            for (size_t k = 0; k < sizeof benches / sizeof benches[0]; k++)
                printf("%s\t%s\n", benches[k].name, benches[k].what);
            return 0;
        } else if (strcmp(argv[i], "--tsc-khz") == 0)
            return print_tsc_khz();
        else {
            usage();
            return 2;
        }
    }
    if (repeat < 1 || min_ns < 0) {
        usage();
        return 2;
    }
    int failed = 0;
    for (; i < argc; i++) {
        const struct bench *b = NULL;
        for (size_t k = 0; k < sizeof benches / sizeof benches[0]; k++)
            if (strcmp(argv[i], benches[k].name) == 0)
                b = &benches[k];
        if (!b) {
            printf("%s fails step=lookup errno=%d (%s)\n", argv[i], EINVAL, "no such benchmark");
            failed++;
            continue;
        }
        if (run_bench(b))
            failed++;
        fflush(stdout);
    }
    printf("done failed=%d\n", failed);
    fflush(stdout);
    if (poweroff) {
        reboot(RB_POWER_OFF);
        perror("reboot(RB_POWER_OFF)");
    }
    return failed ? 1 : 0;
}
