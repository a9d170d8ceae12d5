/* Blocking calls interrupted by a handled signal (sent again every 2 ms by a helper thread
 * until the call returns), with and without SA_RESTART, as signal(7) has it: read, write,
 * wait4 and futex waits without a timeout fail with EINTR, or are restarted under SA_RESTART;
 * a futex wait with a timeout, nanosleep, clock_nanosleep, poll, ppoll, select, epoll_wait,
 * sigsuspend, pause and sigtimedwait fail with EINTR either way. nanosleep and relative
 * clock_nanosleep write back the time left, absolute clock_nanosleep does not. A signal that is
 * ignored interrupts nothing, and neither does stopping and continuing a process. */
#define _GNU_SOURCE
#include "proc.h"

#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/select.h>

#define MS 1000000LL

static pid_t main_tid;
static volatile int handled;

static void handler(int signo)
{
    (void)signo;
    ++handled;
}

static void install(int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
}

/* A thread that sends signo to the main thread every 2 ms until the test says done or it has
 * sent count of them, then calls finish (which ends whatever the main thread waits for). */
struct sender {
    pthread_t thread;
    int signo, count;
    void (*finish)(void);
    volatile int done;
};

static void *sender_main(void *arg)
{
    struct sender *sender = arg;
    for (int i = 0; i < sender->count && !sender->done; ++i) {
        sleep_ms(2);
        CHECK_OK(syscall(SYS_tgkill, getpid(), main_tid, sender->signo));
    }
    if (sender->finish)
        sender->finish();
    return NULL;
}

static struct sender sender;

static void start(int signo, int count, void (*finish)(void))
{
    sender = (struct sender){ .signo = signo, .count = count, .finish = finish };
    handled = 0;
    sigset_t all, old;
    sigfillset(&all);
    CHECK(pthread_sigmask(SIG_SETMASK, &all, &old) == 0);
    CHECK(pthread_create(&sender.thread, NULL, sender_main, &sender) == 0);
    CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL) == 0);
}

static void stop(void)
{
    sender.done = 1;
    CHECK(pthread_join(sender.thread, NULL) == 0);
}

/* Interrupted: signals until the call returns (or about 2 s, then finish). */
#define UNTIL_INTERRUPTED 1000
/* Restarted: three signals, then finish. */
#define BEFORE_FINISH 3

static int fds[2];
static void write_byte(void)
{
    CHECK(write(fds[1], "x", 1) == 1);
}

static void drain_pipe(void)
{
    static char buffer[8192];
    CHECK(read(fds[0], buffer, sizeof buffer) > 0);
}

static volatile int *release;
static void release_child(void)
{
    *release = 1;
}

static int futex_word;
static void wake_futex(void)
{
    __atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
    futex(&futex_word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
}

static pid_t released_child(void)
{
    *release = 0;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        WAIT_UNTIL(*release, 20000);
        _exit(6);
    }
    return pid;
}

/* The calls that SA_RESTART restarts. */
static void restartable(int restart)
{
    install(restart ? SA_RESTART : 0);
    char byte;

    /* read */
    start(SIGUSR1, restart ? BEFORE_FINISH : UNTIL_INTERRUPTED, write_byte);
    ssize_t got = read(fds[0], &byte, 1);
    int saved = errno;
    stop();
    CHECK(handled >= 1);
    if (restart) {
        CHECK(got == 1);
    } else {
        CHECK(got == -1 && saved == EINTR);
        CHECK(read(fds[0], &byte, 1) == 1);
    }

    /* write to a full pipe */
    CHECK_OK(fcntl(fds[1], F_SETFL, O_NONBLOCK));
    size_t filled = 0;
    static char chunk[4096];
    while (write(fds[1], chunk, sizeof chunk) == (ssize_t)sizeof chunk)
        filled += sizeof chunk;
    CHECK(errno == EAGAIN && filled > 0);
    while (write(fds[1], chunk, 1) == 1)
        ++filled;
    CHECK_OK(fcntl(fds[1], F_SETFL, 0));
    start(SIGUSR1, restart ? BEFORE_FINISH : UNTIL_INTERRUPTED, drain_pipe);
    got = write(fds[1], "y", 1);
    saved = errno;
    stop();
    CHECK(handled >= 1);
    if (restart)
        CHECK(got == 1);
    else
        CHECK(got == -1 && saved == EINTR);
    CHECK_OK(fcntl(fds[0], F_SETFL, O_NONBLOCK));
    while (read(fds[0], chunk, sizeof chunk) > 0)
        ;
    CHECK_OK(fcntl(fds[0], F_SETFL, 0));

    /* wait4 */
    pid_t pid = released_child();
    start(SIGUSR1, restart ? BEFORE_FINISH : UNTIL_INTERRUPTED, release_child);
    int status = 0;
    pid_t waited = wait4(pid, &status, 0, NULL);
    saved = errno;
    stop();
    CHECK(handled >= 1);
    if (restart) {
        CHECK(waited == pid);
        CHECK_EXITED(status, 6);
    } else {
        CHECK(waited == -1 && saved == EINTR);
        CHECK_CHILD_EXITS(pid, 6);
    }

    /* futex wait without a timeout (a restarted wait may find the word changed: EAGAIN) */
    futex_word = 0;
    start(SIGUSR1, restart ? BEFORE_FINISH : UNTIL_INTERRUPTED, wake_futex);
    long result = futex(&futex_word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
    saved = errno;
    stop();
    CHECK(handled >= 1);
    if (restart)
        CHECK(result == 0 || (result == -1 && saved == EAGAIN));
    else
        CHECK(result == -1 && saved == EINTR);
}

/* The calls that fail with EINTR even under SA_RESTART. */
static void never_restarted(int restart)
{
    install(restart ? SA_RESTART : 0);

    /* futex wait with a timeout */
    futex_word = 0;
    struct timespec five = { 5, 0 };
    start(SIGUSR1, UNTIL_INTERRUPTED, NULL);
    long result = futex(&futex_word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &five, NULL, 0);
    int saved = errno;
    stop();
    CHECK(result == -1 && saved == EINTR);

    /* nanosleep writes back the time left */
    struct timespec left = { -1, -1 };
    start(SIGUSR1, UNTIL_INTERRUPTED, NULL);
    result = nanosleep(&five, &left);
    saved = errno;
    stop();
    CHECK(result == -1 && saved == EINTR);
    CHECK(left.tv_sec >= 0 && left.tv_nsec >= 0 && left.tv_nsec < 1000000000L);
    CHECK(left.tv_sec < 5 && (left.tv_sec > 0 || left.tv_nsec > 0));

    /* clock_nanosleep: relative like nanosleep, absolute without the time left */
    left = (struct timespec){ -1, -1 };
    start(SIGUSR1, UNTIL_INTERRUPTED, NULL);
    int error = clock_nanosleep(CLOCK_MONOTONIC, 0, &five, &left);
    stop();
    CHECK(error == EINTR);
    CHECK(left.tv_sec >= 0 && left.tv_sec < 5 && left.tv_nsec >= 0 && left.tv_nsec < 1000000000L);
    struct timespec deadline;
    CHECK_OK(clock_gettime(CLOCK_MONOTONIC, &deadline));
    deadline.tv_sec += 5;
    left = (struct timespec){ 123, 456 };
    start(SIGUSR1, UNTIL_INTERRUPTED, NULL);
    error = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, &left);
    stop();
    CHECK(error == EINTR);
    CHECK(left.tv_sec == 123 && left.tv_nsec == 456);

    /* poll, ppoll, select, epoll_wait */
    struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
    start(SIGUSR1, UNTIL_INTERRUPTED, NULL);
    result = poll(&pfd, 1, 5000);
    saved = errno;
    stop();
    CHECK(result == -1 && saved == EINTR);
    start(SIGUSR1, UNTIL_INTERRUPTED, NULL);
    result = ppoll(&pfd, 1, &five, NULL);
    saved = errno;
    stop();
    CHECK(result == -1 && saved == EINTR);
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(fds[0], &readable);
    struct timeval five_seconds = { 5, 0 };
    start(SIGUSR1, UNTIL_INTERRUPTED, NULL);
    result = select(fds[0] + 1, &readable, NULL, NULL, &five_seconds);
    saved = errno;
    stop();
    CHECK(result == -1 && saved == EINTR);
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    CHECK(epoll >= 0);
    struct epoll_event event = { .events = EPOLLIN };
    CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_ADD, fds[0], &event));
    start(SIGUSR1, UNTIL_INTERRUPTED, NULL);
    result = epoll_wait(epoll, &event, 1, 5000);
    saved = errno;
    stop();
    CHECK(result == -1 && saved == EINTR);
    close(epoll);

    /* sigsuspend, pause */
    sigset_t empty;
    sigemptyset(&empty);
    start(SIGUSR1, UNTIL_INTERRUPTED, NULL);
    result = sigsuspend(&empty);
    saved = errno;
    stop();
    CHECK(result == -1 && saved == EINTR && handled >= 1);
    start(SIGUSR1, UNTIL_INTERRUPTED, NULL);
    result = pause();
    saved = errno;
    stop();
    CHECK(result == -1 && saved == EINTR && handled >= 1);

    /* sigtimedwait for another signal (the raw call: musl's retries after EINTR) */
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    start(SIGUSR1, UNTIL_INTERRUPTED, NULL);
    result = syscall(SYS_rt_sigtimedwait, &usr2, NULL, &five, 8);
    saved = errno;
    stop();
    CHECK(result == -1 && saved == EINTR);
}

int main(void)
{
    main_tid = gettid();
    release = shared_memory(sizeof *release);
    CHECK_OK(pipe(fds));

    restartable(0);
    restartable(1);
    never_restarted(0);
    never_restarted(1);

    /* An ignored signal interrupts nothing. */
    signal(SIGUSR2, SIG_IGN);
    start(SIGUSR2, BEFORE_FINISH, write_byte);
    char byte;
    CHECK(read(fds[0], &byte, 1) == 1);
    stop();

    /* Neither does stopping and continuing: a child's read (no SA_RESTART) and nanosleep go on. */
    install(0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK(read(fds[0], &byte, 1) == 1);
        long long begin = monotonic_ns();
        struct timespec request = { 0, 40 * MS };
        CHECK(nanosleep(&request, NULL) == 0);
        CHECK(monotonic_ns() - begin >= 40 * MS);
        _exit(0);
    }
    for (int round = 0; round < 2; ++round) {
        sleep_ms(10);
        CHECK_OK(kill(pid, SIGSTOP));
        int status = 0;
        CHECK(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status));
        CHECK_OK(kill(pid, SIGCONT));
        CHECK(waitpid(pid, &status, WCONTINUED) == pid && WIFCONTINUED(status));
        if (round == 0)
            write_byte();
    }
    CHECK_CHILD_EXITS(pid, 0);

    return check_passed("sig_restart");
}
