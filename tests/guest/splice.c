/* splice(2), tee(2) and vmsplice(2): pipes to files and back, pipe to pipe, offsets, the
 * nonblocking and end-of-input rules, EINTR, and Linux's error codes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"

static void on_alarm(int signal_number) { (void)signal_number; }

static long pipe_read_all(int fd, char *buffer, size_t size)
{
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    long total = 0;
    for (;;) {
        long got = read(fd, buffer + total, size - total);
        if (got <= 0)
            break;
        total += got;
    }
    fcntl(fd, F_SETFL, flags);
    return total;
}

int main(void)
{
    char directory[] = "/tmp/spliceXXXXXX";
    CHECK(mkdtemp(directory) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/file", directory);
    int file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(file >= 0);
    signal(SIGPIPE, SIG_IGN);

    int p[2], q[2];
    CHECK_OK(pipe(p));
    CHECK_OK(pipe(q));
    char buffer[20000];

    /* Pipe to file at an offset: the pointer moves, the file offset stays. */
    CHECK(write(p[1], "hello world", 11) == 11);
    loff_t offset = 3;
    CHECK(splice(p[0], NULL, file, &offset, 100, SPLICE_F_MORE | SPLICE_F_MOVE) == 11);
    CHECK(offset == 14);
    CHECK(lseek(file, 0, SEEK_CUR) == 0);
    CHECK(pread(file, buffer, sizeof buffer, 0) == 14);
    CHECK(memcmp(buffer, "\0\0\0hello world", 14) == 0);
    /* Without an offset the file offset moves; only `length` bytes leave the pipe. */
    CHECK(write(p[1], "abcdef", 6) == 6);
    CHECK(splice(p[0], NULL, file, NULL, 4, 0) == 4);
    CHECK(lseek(file, 0, SEEK_CUR) == 4);
    CHECK(pread(file, buffer, 4, 0) == 4 && memcmp(buffer, "abcd", 4) == 0);
    CHECK(read(p[0], buffer, sizeof buffer) == 2 && memcmp(buffer, "ef", 2) == 0);

    /* File to pipe at an offset, then at the file offset, then 0 at end of file. */
    offset = 4;
    CHECK(splice(file, &offset, p[1], NULL, 5, 0) == 5);
    CHECK(offset == 9);
    CHECK(lseek(file, 0, SEEK_CUR) == 4);
    CHECK(read(p[0], buffer, sizeof buffer) == 5 && memcmp(buffer, "ello ", 5) == 0);
    CHECK(splice(file, NULL, p[1], NULL, 100, 0) == 10);
    CHECK(lseek(file, 0, SEEK_CUR) == 14);
    CHECK(read(p[0], buffer, sizeof buffer) == 10 && memcmp(buffer, "ello world", 10) == 0);
    CHECK(splice(file, NULL, p[1], NULL, 100, 0) == 0);

    /* A file to a pipe takes at most what the free slots hold. */
    char pattern[10000];
    for (size_t i = 0; i < sizeof pattern; ++i)
        pattern[i] = (char)('a' + i % 26);
    CHECK(pwrite(file, pattern, sizeof pattern, 0) == (long)sizeof pattern);
    CHECK(fcntl(q[1], F_SETPIPE_SZ, 4096) == 4096);
    offset = 0;
    CHECK(splice(file, &offset, q[1], NULL, sizeof pattern, 0) == 4096);
    CHECK(offset == 4096);
    /* Full: SPLICE_F_NONBLOCK, or O_NONBLOCK on the pipe, is EAGAIN. */
    CHECK_ERRNO(splice(file, &offset, q[1], NULL, 10, SPLICE_F_NONBLOCK), EAGAIN);
    CHECK_OK(fcntl(q[1], F_SETFL, O_NONBLOCK));
    CHECK_ERRNO(splice(file, &offset, q[1], NULL, 10, 0), EAGAIN);
    CHECK_OK(fcntl(q[1], F_SETFL, 0));

    /* Pipe to pipe moves the data; the full output is drained into p. */
    CHECK(splice(q[0], NULL, p[1], NULL, 100000, 0) == 4096);
    CHECK_ERRNO(splice(q[0], NULL, p[1], NULL, 10, SPLICE_F_NONBLOCK), EAGAIN);
    CHECK(pipe_read_all(p[0], buffer, sizeof buffer) == 4096);
    CHECK(memcmp(buffer, pattern, 4096) == 0);

    /* tee: copies without consuming; only from pipe to pipe. */
    CHECK(fcntl(q[1], F_SETPIPE_SZ, 65536) == 65536);
    CHECK(write(p[1], "abcdef", 6) == 6);
    CHECK(tee(p[0], q[1], 3, 0) == 3);
    CHECK(tee(p[0], q[1], 100, 0) == 6);
    CHECK(pipe_read_all(q[0], buffer, sizeof buffer) == 9);
    CHECK(memcmp(buffer, "abcabcdef", 9) == 0);
    CHECK(read(p[0], buffer, sizeof buffer) == 6 && memcmp(buffer, "abcdef", 6) == 0);
    CHECK_ERRNO(tee(p[0], q[1], 10, SPLICE_F_NONBLOCK), EAGAIN);
    CHECK_ERRNO(tee(p[0], file, 10, 0), EINVAL);
    CHECK_ERRNO(tee(file, p[1], 10, 0), EINVAL);
    CHECK_ERRNO(tee(p[0], p[1], 10, 0), EINVAL);
    CHECK_ERRNO(tee(p[1], q[1], 10, 0), EBADF);
    CHECK_ERRNO(tee(p[0], q[1], 10, 0x100), EINVAL);
    CHECK(tee(-1, -1, 0, 0) == 0);

    /* vmsplice: buffers into a pipe, and from a pipe into buffers (a copy). */
    struct iovec vectors[2] = { { "one", 3 }, { "two!", 4 } };
    CHECK(vmsplice(p[1], vectors, 2, 0) == 7);
    char first[2], second[10];
    struct iovec into[2] = { { first, sizeof first }, { second, sizeof second } };
    CHECK(vmsplice(p[0], into, 2, 0) == 7);
    CHECK(memcmp(first, "on", 2) == 0 && memcmp(second, "etwo!", 5) == 0);
    CHECK_ERRNO(vmsplice(p[0], into, 2, SPLICE_F_NONBLOCK), EAGAIN);
    CHECK_ERRNO(vmsplice(file, vectors, 2, 0), EBADF);
    CHECK_ERRNO(vmsplice(p[1], (struct iovec *)8, 1, 0), EFAULT);
    CHECK_ERRNO(vmsplice(p[1], vectors, 2000, 0), EINVAL);
    CHECK_ERRNO(vmsplice(p[1], vectors, 2, 0x100), EINVAL);
    CHECK(vmsplice(p[1], vectors, 0, 0) == 0);
    CHECK(fcntl(q[1], F_SETPIPE_SZ, 4096) == 4096);
    CHECK(write(q[1], pattern, 4096) == 4096);
    CHECK_ERRNO(vmsplice(q[1], vectors, 2, SPLICE_F_NONBLOCK), EAGAIN);
    CHECK(pipe_read_all(q[0], buffer, sizeof buffer) == 4096);

    /* Errors. */
    CHECK(splice(-1, NULL, -1, NULL, 0, 0) == 0);
    CHECK_ERRNO(splice(p[0], NULL, file, NULL, 10, 0x100), EINVAL);
    CHECK_ERRNO(splice(-1, NULL, p[1], NULL, 10, 0), EBADF);
    CHECK_ERRNO(splice(p[1], NULL, file, NULL, 10, 0), EBADF);
    int read_only = open(path, O_RDONLY);
    CHECK(read_only >= 0);
    CHECK_ERRNO(splice(p[0], NULL, read_only, NULL, 10, 0), EBADF);
    CHECK_ERRNO(splice(read_only, NULL, file, NULL, 10, 0), EINVAL);
    CHECK_ERRNO(splice(p[0], NULL, p[1], NULL, 10, 0), EINVAL);
    offset = 0;
    CHECK_ERRNO(splice(p[0], &offset, file, NULL, 10, 0), ESPIPE);
    CHECK_ERRNO(splice(file, NULL, p[1], &offset, 10, 0), ESPIPE);
    CHECK_ERRNO(splice(p[0], &offset, q[1], NULL, 10, 0), ESPIPE);
    CHECK_ERRNO(splice(read_only, (loff_t *)8, p[1], NULL, 10, 0), EFAULT);
    offset = -1;
    CHECK_ERRNO(splice(read_only, &offset, p[1], NULL, 10, 0), EINVAL);
    int directory_fd = open(directory, O_RDONLY | O_DIRECTORY);
    CHECK(directory_fd >= 0);
    CHECK_ERRNO(splice(directory_fd, NULL, p[1], NULL, 10, 0), EINVAL);
    int append = open(path, O_WRONLY | O_APPEND);
    CHECK(append >= 0);
    CHECK(write(p[1], "x", 1) == 1);
    CHECK_ERRNO(splice(p[0], NULL, append, NULL, 10, 0), EINVAL);
    CHECK(read(p[0], buffer, 1) == 1);

    /* An empty pipe with a writer: EAGAIN without waiting; O_NONBLOCK on the input counts. */
    CHECK_ERRNO(splice(p[0], NULL, file, NULL, 10, SPLICE_F_NONBLOCK), EAGAIN);
    CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
    CHECK_ERRNO(splice(p[0], NULL, file, NULL, 10, 0), EAGAIN);
    CHECK_OK(fcntl(p[0], F_SETFL, 0));

    /* A signal ends a wait with EINTR (no SA_RESTART). */
    struct sigaction action = { 0 };
    action.sa_handler = on_alarm;
    CHECK_OK(sigaction(SIGALRM, &action, NULL));
    struct itimerval timer = { { 0, 0 }, { 0, 50000 } };
    CHECK_OK(setitimer(ITIMER_REAL, &timer, NULL));
    CHECK_ERRNO(splice(p[0], NULL, file, NULL, 10, 0), EINTR);
    CHECK_OK(setitimer(ITIMER_REAL, &timer, NULL));
    CHECK_ERRNO(tee(p[0], q[1], 10, 0), EINTR);

    /* The end of input: 0 once the writers are gone; no reader: EPIPE. */
    CHECK_OK(close(p[1]));
    CHECK(splice(p[0], NULL, file, NULL, 10, 0) == 0);
    CHECK(splice(p[0], NULL, q[1], NULL, 10, 0) == 0);
    CHECK(tee(p[0], q[1], 10, 0) == 0);
    CHECK(vmsplice(p[0], into, 2, 0) == 0);
    CHECK_OK(close(q[0]));
    CHECK_ERRNO(splice(file, NULL, q[1], NULL, 10, 0), EPIPE);
    CHECK_ERRNO(vmsplice(q[1], vectors, 2, 0), EPIPE);

    close(file);
    close(read_only);
    close(append);
    close(directory_fd);
    unlink(path);
    rmdir(directory);
    return check_passed("splice");
}
