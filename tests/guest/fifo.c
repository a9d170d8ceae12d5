/* Named pipes: mkfifo and mknod, what stat shows, the open rules (a reader waits for a writer
 * and the other way round, O_NONBLOCK readers open at once, O_NONBLOCK writers without a reader
 * get ENXIO, O_RDWR never waits), data between processes, POLLHUP only once a writer came and
 * went, and mknod's other kinds and errors. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char directory[] = "/tmp/fifo-XXXXXX";
static char fifo_path[64];

static long long now_ms(void)
{
    struct timespec now;
    CHECK_OK(clock_gettime(CLOCK_MONOTONIC, &now));
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec request = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&request, &request) != 0)
        CHECK(errno == EINTR);
}

static void wait_for(pid_t child)
{
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void creation(void)
{
    CHECK_OK(mkfifo(fifo_path, 0640));
    struct stat st;
    CHECK_OK(stat(fifo_path, &st));
    CHECK(S_ISFIFO(st.st_mode));
    CHECK((st.st_mode & 0777) == (0640 & ~022) || (st.st_mode & 0777) == 0640);
    CHECK(st.st_size == 0 && st.st_nlink == 1);
    CHECK_ERRNO(mkfifo(fifo_path, 0640), EEXIST);

    char path[96];
    snprintf(path, sizeof(path), "%s/made-by-mknod", directory);
    CHECK_OK(mknod(path, S_IFIFO | 0600, 0));
    CHECK_OK(stat(path, &st));
    CHECK(S_ISFIFO(st.st_mode));
    CHECK_OK(unlink(path));
    snprintf(path, sizeof(path), "%s/at", directory);
    int directory_fd = open(directory, O_RDONLY | O_DIRECTORY);
    CHECK_OK(directory_fd);
    CHECK_OK(mknodat(directory_fd, "at", S_IFIFO | 0600, 0));
    CHECK_OK(stat(path, &st));
    CHECK(S_ISFIFO(st.st_mode));
    CHECK_OK(unlinkat(directory_fd, "at", 0));
    /* Type 0 is a regular file. */
    CHECK_OK(mknodat(directory_fd, "plain", 0600, 0));
    CHECK_OK(fstatat(directory_fd, "plain", &st, 0));
    CHECK(S_ISREG(st.st_mode) && st.st_size == 0);
    CHECK_OK(unlinkat(directory_fd, "plain", 0));
    CHECK_OK(close(directory_fd));

    CHECK_ERRNO(mknod(path, S_IFDIR | 0700, 0), EPERM);
    CHECK_ERRNO(mknod(path, 0170000 | 0600, 0), EINVAL);
    snprintf(path, sizeof(path), "%s/missing/fifo", directory);
    CHECK_ERRNO(mkfifo(path, 0600), ENOENT);
}

static void open_rules(void)
{
    /* No reader: a non-blocking writer is refused. */
    CHECK_ERRNO(open(fifo_path, O_WRONLY | O_NONBLOCK), ENXIO);
    /* A non-blocking reader opens at once; with no writer yet it reads end of file and sees
     * no hangup until a writer has come and gone. */
    int reader = open(fifo_path, O_RDONLY | O_NONBLOCK);
    CHECK_OK(reader);
    CHECK(fcntl(reader, F_GETFL) & O_NONBLOCK);
    char buffer[16];
    CHECK(read(reader, buffer, sizeof(buffer)) == 0);
    struct pollfd entry = { .fd = reader, .events = POLLIN };
    CHECK(poll(&entry, 1, 0) == 0);
    /* Now a non-blocking writer finds the reader. */
    int writer = open(fifo_path, O_WRONLY | O_NONBLOCK);
    CHECK_OK(writer);
    CHECK_ERRNO(read(reader, buffer, sizeof(buffer)), EAGAIN);
    CHECK(write(writer, "abc", 3) == 3);
    CHECK(poll(&entry, 1, 0) == 1 && entry.revents == POLLIN);
    CHECK_OK(close(writer));
    CHECK(poll(&entry, 1, 0) == 1 && entry.revents == (POLLIN | POLLHUP));
    CHECK(read(reader, buffer, sizeof(buffer)) == 3 && memcmp(buffer, "abc", 3) == 0);
    CHECK(read(reader, buffer, sizeof(buffer)) == 0);
    CHECK_OK(close(reader));

    /* No direct I/O on a FIFO (packet mode comes with F_SETFL). */
    CHECK_ERRNO(open(fifo_path, O_RDWR | O_DIRECT), EINVAL);

    /* Read-write never waits, and talks to itself. */
    int both = open(fifo_path, O_RDWR);
    CHECK_OK(both);
    CHECK(write(both, "self", 4) == 4);
    CHECK(read(both, buffer, sizeof(buffer)) == 4 && memcmp(buffer, "self", 4) == 0);
    struct stat st;
    CHECK_OK(fstat(both, &st));
    CHECK(S_ISFIFO(st.st_mode));
    CHECK_ERRNO(lseek(both, 0, SEEK_SET), ESPIPE);
    /* Its size is a pipe's. */
    CHECK(fcntl(both, F_GETPIPE_SZ) == 65536);
    CHECK_OK(close(both));

    /* What is left when both sides close is dropped. */
    both = open(fifo_path, O_RDWR | O_NONBLOCK);
    CHECK_OK(both);
    CHECK(write(both, "lost", 4) == 4);
    CHECK_OK(close(both));
    both = open(fifo_path, O_RDWR | O_NONBLOCK);
    CHECK_OK(both);
    CHECK_ERRNO(read(both, buffer, sizeof(buffer)), EAGAIN);
    CHECK_OK(close(both));
}

/* A blocking reader waits for a writer in another process, and the other way round. */
static void blocking_opens(void)
{
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        sleep_ms(100);
        int writer = open(fifo_path, O_WRONLY);
        if (writer < 0 || write(writer, "from child", 10) != 10)
            _exit(2);
        _exit(0);
    }
    long long start = now_ms();
    int reader = open(fifo_path, O_RDONLY);
    CHECK_OK(reader);
    CHECK(now_ms() - start >= 50);
    char buffer[32];
    size_t total = 0;
    for (;;) {
        ssize_t count = read(reader, buffer + total, sizeof(buffer) - total);
        CHECK(count >= 0);
        if (count == 0)
            break;
        total += (size_t)count;
    }
    CHECK(total == 10 && memcmp(buffer, "from child", 10) == 0);
    CHECK_OK(close(reader));
    wait_for(child);

    child = fork();
    CHECK_OK(child);
    if (child == 0) {
        sleep_ms(100);
        int reader = open(fifo_path, O_RDONLY);
        char byte;
        if (reader < 0 || read(reader, &byte, 1) != 1 || byte != 'w')
            _exit(2);
        _exit(0);
    }
    start = now_ms();
    int writer = open(fifo_path, O_WRONLY);
    CHECK_OK(writer);
    CHECK(now_ms() - start >= 50);
    CHECK(write(writer, "w", 1) == 1);
    wait_for(child);
    /* The reader is gone now. */
    CHECK_ERRNO(write(writer, "w", 1), EPIPE);
    CHECK_OK(close(writer));
}

/* A FIFO unlinked while open still works: the name goes, the pipe stays. */
static void unlinked_while_open(void)
{
    int both = open(fifo_path, O_RDWR);
    CHECK_OK(both);
    CHECK_OK(unlink(fifo_path));
    CHECK(write(both, "still", 5) == 5);
    char buffer[8];
    CHECK(read(both, buffer, sizeof(buffer)) == 5);
    CHECK_OK(close(both));
    CHECK_ERRNO(open(fifo_path, O_RDWR), ENOENT);
}

int main(void)
{
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    CHECK(mkdtemp(directory) != NULL);
    snprintf(fifo_path, sizeof(fifo_path), "%s/fifo", directory);
    creation();
    open_rules();
    blocking_opens();
    unlinked_while_open();
    CHECK_OK(rmdir(directory));
    return check_passed("fifo");
}
