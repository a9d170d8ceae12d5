/* signalfd and signalfd4: flags (SFD_NONBLOCK, SFD_CLOEXEC), EAGAIN when nothing is pending,
 * reads of whole struct signalfd_siginfo records (EINVAL below one, several per read in signal
 * order), only the signals of its mask, a new mask set through the same descriptor, the bad
 * arguments, poll and epoll readiness, a blocking read woken by a signal from another thread,
 * signals taken by read not reaching their handler, and queued real-time signals with their
 * values. */
#define _GNU_SOURCE
#include "proc.h"

#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

#define MS 1000000LL
#define RECORD sizeof(struct signalfd_siginfo)

static sigset_t set_of(int a, int b)
{
    sigset_t set;
    sigemptyset(&set);
    if (a)
        sigaddset(&set, a);
    if (b)
        sigaddset(&set, b);
    return set;
}

static int readable(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int ready = poll(&pfd, 1, 0);
    CHECK(ready >= 0);
    return ready == 1 && (pfd.revents & POLLIN);
}

static volatile int handled;

static void handler(int signo)
{
    (void)signo;
    ++handled;
}

static volatile int sender_delay_ms, sender_signo;

static void *sender(void *arg)
{
    (void)arg;
    sleep_ms(sender_delay_ms);
    CHECK_OK(kill(getpid(), sender_signo));
    return NULL;
}

int main(void)
{
    pid_t self = getpid();
    signal(SIGUSR1, handler);
    signal(SIGUSR2, handler);
    sigset_t both = set_of(SIGUSR1, SIGUSR2), usr1 = set_of(SIGUSR1, 0);
    CHECK_OK(sigprocmask(SIG_BLOCK, &both, NULL));

    /* Flags; nothing pending. */
    int fd = signalfd(-1, &usr1, SFD_NONBLOCK | SFD_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    struct signalfd_siginfo records[4];
    CHECK_ERRNO(read(fd, records, sizeof records), EAGAIN);
    CHECK(!readable(fd));

    /* One record per pending signal, with the sender. */
    CHECK_OK(syscall(SYS_tgkill, self, gettid(), SIGUSR1));
    CHECK(readable(fd));
    memset(records, 0, sizeof records);
    CHECK(read(fd, records, sizeof records) == (ssize_t)RECORD);
    CHECK(records[0].ssi_signo == SIGUSR1 && records[0].ssi_code == SI_TKILL);
    CHECK(records[0].ssi_pid == (uint32_t)self && records[0].ssi_uid == getuid());
    CHECK_ERRNO(read(fd, records, sizeof records), EAGAIN);
    CHECK(!readable(fd));
    sigset_t pending;
    CHECK_OK(sigpending(&pending));
    CHECK(!sigismember(&pending, SIGUSR1));

    /* A buffer smaller than a record. */
    CHECK_OK(kill(self, SIGUSR1));
    CHECK_ERRNO(read(fd, records, RECORD - 1), EINVAL);
    CHECK(read(fd, records, RECORD) == (ssize_t)RECORD && records[0].ssi_code == SI_USER);

    /* Signals outside its mask are not its business; a new mask through the same descriptor. */
    CHECK_OK(kill(self, SIGUSR2));
    CHECK(!readable(fd));
    CHECK_ERRNO(read(fd, records, sizeof records), EAGAIN);
    CHECK(signalfd(fd, &both, 0) == fd);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK); /* flags stay */
    CHECK(readable(fd));
    CHECK_OK(kill(self, SIGUSR1));
    /* Several records in one read, lowest signal first. */
    CHECK(read(fd, records, sizeof records) == (ssize_t)(2 * RECORD));
    CHECK(records[0].ssi_signo == SIGUSR1 && records[1].ssi_signo == SIGUSR2);
    CHECK(handled == 0);

    /* Bad arguments. */
    int pipe_fds[2];
    CHECK_OK(pipe(pipe_fds));
    CHECK_ERRNO(signalfd(pipe_fds[0], &both, 0), EINVAL);
    CHECK_ERRNO(signalfd(-1, &both, 0x4000), EINVAL);
    CHECK_ERRNO(syscall(SYS_signalfd4, -1, &both, 4, 0), EINVAL);
    CHECK_ERRNO(signalfd(1000, &both, 0), EBADF);
    close(pipe_fds[0]);
    close(pipe_fds[1]);

    /* The old signalfd call: no flags, so blocking and inherited across exec. */
    int plain = (int)syscall(SYS_signalfd, -1, &usr1, 8);
    CHECK(plain >= 0);
    CHECK(fcntl(plain, F_GETFD) == 0 && !(fcntl(plain, F_GETFL) & O_NONBLOCK));
    CHECK(!readable(plain));

    /* A blocking read, woken by a signal another thread sends to the process. */
    long long begin = monotonic_ns();
    sender_delay_ms = 20;
    sender_signo = SIGUSR1;
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, sender, NULL) == 0);
    memset(records, 0, sizeof records);
    CHECK(read(plain, records, sizeof records) == (ssize_t)RECORD);
    CHECK(monotonic_ns() - begin >= 20 * MS);
    CHECK(records[0].ssi_signo == SIGUSR1 && records[0].ssi_code == SI_USER);
    CHECK(pthread_join(thread, NULL) == 0);

    /* epoll: level-triggered readiness follows the pending set; a signal taken by sigwaitinfo
     * is gone for the descriptor too. */
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    CHECK(epoll >= 0);
    struct epoll_event event = { .events = EPOLLIN, .data.u32 = 7 }, got[2];
    CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event));
    CHECK(epoll_wait(epoll, got, 2, 0) == 0);
    CHECK_OK(kill(self, SIGUSR2));
    CHECK(epoll_wait(epoll, got, 2, 0) == 1 && got[0].data.u32 == 7 && (got[0].events & EPOLLIN));
    CHECK(epoll_wait(epoll, got, 2, 0) == 1);
    CHECK(sigwaitinfo(&both, NULL) == SIGUSR2);
    CHECK(epoll_wait(epoll, got, 2, 0) == 0);
    /* A blocking epoll_wait woken by the signal. */
    sender_delay_ms = 20;
    sender_signo = SIGUSR2;
    CHECK(pthread_create(&thread, NULL, sender, NULL) == 0);
    CHECK(epoll_wait(epoll, got, 2, 10000) == 1);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(read(fd, records, sizeof records) == (ssize_t)RECORD && records[0].ssi_signo == SIGUSR2);
    CHECK(epoll_wait(epoll, got, 2, 0) == 0);
    close(epoll);

    /* Unblocked signals still go to their handler. */
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &usr1, NULL));
    CHECK_OK(kill(self, SIGUSR1));
    CHECK(handled == 1);
    CHECK_ERRNO(read(fd, records, sizeof records), EAGAIN);
    CHECK_OK(sigprocmask(SIG_BLOCK, &usr1, NULL));

    /* Queued real-time signals: one record each, in order, with their values. */
    sigset_t rt = set_of(SIGRTMIN, SIGRTMIN + 1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &rt, NULL));
    CHECK(signalfd(fd, &rt, 0) == fd);
    CHECK_OK(sigqueue(self, SIGRTMIN + 1, (union sigval){ .sival_int = 3 }));
    CHECK_OK(sigqueue(self, SIGRTMIN, (union sigval){ .sival_int = 1 }));
    CHECK_OK(sigqueue(self, SIGRTMIN, (union sigval){ .sival_int = 2 }));
    memset(records, 0, sizeof records);
    CHECK(read(fd, records, sizeof records) == (ssize_t)(3 * RECORD));
    CHECK(records[0].ssi_signo == (uint32_t)SIGRTMIN && records[0].ssi_int == 1);
    CHECK(records[1].ssi_signo == (uint32_t)SIGRTMIN && records[1].ssi_int == 2);
    CHECK(records[2].ssi_signo == (uint32_t)SIGRTMIN + 1 && records[2].ssi_int == 3);
    CHECK(records[0].ssi_code == SI_QUEUE && records[0].ssi_pid == (uint32_t)self);

    close(plain);
    close(fd);
    return check_passed("sig_signalfd");
}
