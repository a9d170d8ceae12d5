/* Pipes within one process: pipe2 flags, what fstat and fcntl show, end of file and EPIPE,
 * non-blocking behaviour, capacity and F_GETPIPE_SZ/F_SETPIPE_SZ, FIONREAD, packet mode
 * (O_DIRECT), descriptor limits, and bad arguments. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void fill(char *buffer, size_t size, char first)
{
    for (size_t index = 0; index < size; ++index)
        buffer[index] = (char)(first + index % 23);
}

static void flags_and_metadata(void)
{
    int fds[2];
    CHECK_OK(pipe(fds));
    CHECK(fds[0] >= 3 && fds[1] == fds[0] + 1);
    /* The ends have their access modes and nothing else: no O_LARGEFILE, unlike open(2). */
    CHECK(fcntl(fds[0], F_GETFL) == O_RDONLY);
    CHECK(fcntl(fds[1], F_GETFL) == O_WRONLY);
    CHECK(fcntl(fds[0], F_GETFD) == 0);

    struct stat st;
    CHECK_OK(fstat(fds[0], &st));
    CHECK(S_ISFIFO(st.st_mode));
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(st.st_size == 0);
    CHECK(st.st_blksize == 4096);
    CHECK(st.st_nlink == 1);
    struct stat other;
    CHECK_OK(fstat(fds[1], &other));
    CHECK(other.st_ino == st.st_ino && other.st_dev == st.st_dev);
    CHECK(write(fds[1], "abc", 3) == 3);
    CHECK_OK(fstat(fds[0], &st));
    CHECK(st.st_size == 0);

    CHECK_ERRNO(lseek(fds[0], 0, SEEK_CUR), ESPIPE);
    CHECK_ERRNO(lseek(fds[1], 0, SEEK_SET), ESPIPE);
    char byte;
    CHECK_ERRNO(pread(fds[0], &byte, 1, 0), ESPIPE);
    CHECK_ERRNO(pwrite(fds[1], "x", 1, 0), ESPIPE);
    /* Each end only goes its own way. */
    CHECK_ERRNO(write(fds[0], "x", 1), EBADF);
    CHECK_ERRNO(read(fds[1], &byte, 1), EBADF);
    CHECK_ERRNO(fsync(fds[1]), EINVAL);
    CHECK_ERRNO(ftruncate(fds[1], 0), EINVAL);
    CHECK_OK(close(fds[0]));
    CHECK_OK(close(fds[1]));

    CHECK_OK(pipe2(fds, O_CLOEXEC | O_NONBLOCK));
    CHECK(fcntl(fds[0], F_GETFD) == FD_CLOEXEC && fcntl(fds[1], F_GETFD) == FD_CLOEXEC);
    CHECK(fcntl(fds[0], F_GETFL) == (O_RDONLY | O_NONBLOCK));
    CHECK(fcntl(fds[1], F_GETFL) == (O_WRONLY | O_NONBLOCK));
    CHECK_OK(close(fds[0]));
    CHECK_OK(close(fds[1]));

    /* O_DIRECT: packet mode, shown by the write end only. */
    CHECK_OK(pipe2(fds, O_DIRECT));
    CHECK(fcntl(fds[0], F_GETFL) == O_RDONLY);
    CHECK(fcntl(fds[1], F_GETFL) == (O_WRONLY | O_DIRECT));
    CHECK_OK(close(fds[0]));
    CHECK_OK(close(fds[1]));

    CHECK_ERRNO(pipe2(fds, O_APPEND), EINVAL);
    CHECK_ERRNO(pipe2(fds, 1), EINVAL);
    CHECK_ERRNO(pipe2(fds, O_CREAT), EINVAL);
}

static void end_of_file_and_broken_pipe(void)
{
    int fds[2];
    char buffer[16];
    CHECK_OK(pipe(fds));
    CHECK(write(fds[1], "hello", 5) == 5);
    CHECK(write(fds[1], " world", 6) == 6);
    /* A read takes what is there, across writes, without waiting for more. */
    CHECK(read(fds[0], buffer, 3) == 3 && memcmp(buffer, "hel", 3) == 0);
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 8 && memcmp(buffer, "lo world", 8) == 0);
    /* A second descriptor of the write end keeps it open. */
    int copy = dup(fds[1]);
    CHECK_OK(copy);
    CHECK_OK(close(fds[1]));
    CHECK_OK(fcntl(fds[0], F_SETFL, O_NONBLOCK));
    CHECK_ERRNO(read(fds[0], buffer, sizeof(buffer)), EAGAIN);
    CHECK(write(copy, "!", 1) == 1);
    CHECK_OK(close(copy));
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 1 && buffer[0] == '!');
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 0);
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 0);
    CHECK(read(fds[0], buffer, 0) == 0);
    CHECK_OK(close(fds[0]));

    /* No reader: EPIPE (with SIGPIPE ignored), even for the write that first finds it. */
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    CHECK_OK(pipe(fds));
    CHECK_OK(close(fds[0]));
    CHECK_ERRNO(write(fds[1], "x", 1), EPIPE);
    CHECK_ERRNO(write(fds[1], "x", 1), EPIPE);
    /* Writing nothing succeeds anyway. */
    CHECK(write(fds[1], "", 0) == 0);
    CHECK_OK(close(fds[1]));
}

static void capacity_and_non_blocking(void)
{
    static char big[200000];
    static char back[200000];
    int fds[2];
    CHECK_OK(pipe2(fds, O_NONBLOCK));
    CHECK(fcntl(fds[1], F_GETPIPE_SZ) == 65536);
    CHECK(fcntl(fds[0], F_GETPIPE_SZ) == 65536);
    fill(big, sizeof(big), 'a');
    /* A write larger than the room left is partial when non-blocking. */
    CHECK(write(fds[1], big, sizeof(big)) == 65536);
    CHECK_ERRNO(write(fds[1], big, 1), EAGAIN);
    int available = -1;
    CHECK_OK(ioctl(fds[0], FIONREAD, &available));
    CHECK(available == 65536);
    CHECK(read(fds[0], back, sizeof(back)) == 65536);
    CHECK(memcmp(back, big, 65536) == 0);
    CHECK_ERRNO(read(fds[0], back, 1), EAGAIN);

    /* Small writes share pages: forty 100-byte writes to a page, sixteen pages. */
    size_t total = 0;
    for (;;) {
        ssize_t written = write(fds[1], big, 100);
        if (written < 0) {
            CHECK(errno == EAGAIN);
            break;
        }
        CHECK(written == 100);
        total += 100;
    }
    CHECK(total == 64000);
    CHECK_OK(ioctl(fds[0], FIONREAD, &available));
    CHECK(available == 64000);
    /* Every slot is taken, but a write that fits in what is left of the last page joins it;
     * one that does not is refused whole. */
    CHECK_ERRNO(write(fds[1], big, 97), EAGAIN);
    CHECK(write(fds[1], big, 96) == 96);
    CHECK_ERRNO(write(fds[1], big, 1), EAGAIN);
    /* Draining one page makes room for one. */
    CHECK(read(fds[0], back, 4000) == 4000);
    CHECK(write(fds[1], big, 4096) == 4096);
    CHECK_ERRNO(write(fds[1], big, 1), EAGAIN);
    while (read(fds[0], back, sizeof(back)) > 0) {
    }
    CHECK(errno == EAGAIN);

    /* F_SETPIPE_SZ: at least a page, powers of two of pages; EBUSY below what is held. */
    CHECK(fcntl(fds[1], F_SETPIPE_SZ, 0) == 4096);
    CHECK(fcntl(fds[1], F_GETPIPE_SZ) == 4096);
    CHECK(fcntl(fds[1], F_SETPIPE_SZ, 5000) == 8192);
    CHECK(fcntl(fds[0], F_GETPIPE_SZ) == 8192);
    CHECK(write(fds[1], big, sizeof(big)) == 8192);
    CHECK_ERRNO(fcntl(fds[1], F_SETPIPE_SZ, 4096), EBUSY);
    CHECK(fcntl(fds[1], F_SETPIPE_SZ, 1 << 20) == 1 << 20);
    CHECK(write(fds[1], big + 8192, 10000) == 10000);
    CHECK(read(fds[0], back, sizeof(back)) == 18192);
    CHECK(memcmp(back, big, 18192) == 0);
    CHECK_ERRNO(fcntl(fds[1], F_SETPIPE_SZ, -1), EINVAL);
    CHECK_OK(close(fds[0]));
    CHECK_OK(close(fds[1]));

    /* Not a pipe. */
    int null = open("/dev/null", O_RDONLY);
    CHECK_OK(null);
    CHECK_ERRNO(fcntl(null, F_GETPIPE_SZ), EBADF);
    CHECK_ERRNO(fcntl(null, F_SETPIPE_SZ, 4096), EBADF);
    CHECK_OK(close(null));
}

static void status_flags(void)
{
    int fds[2];
    char byte;
    CHECK_OK(pipe(fds));
    CHECK_OK(fcntl(fds[0], F_SETFL, O_NONBLOCK));
    CHECK(fcntl(fds[0], F_GETFL) == (O_RDONLY | O_NONBLOCK));
    CHECK_ERRNO(read(fds[0], &byte, 1), EAGAIN);
    CHECK_OK(fcntl(fds[0], F_SETFL, 0));
    CHECK(fcntl(fds[0], F_GETFL) == O_RDONLY);
    int on = 1;
    CHECK_OK(ioctl(fds[0], FIONBIO, &on));
    CHECK_ERRNO(read(fds[0], &byte, 1), EAGAIN);
    /* O_APPEND is kept and changes nothing on a pipe. */
    CHECK_OK(fcntl(fds[1], F_SETFL, O_APPEND));
    CHECK(fcntl(fds[1], F_GETFL) == (O_WRONLY | O_APPEND));
    CHECK(write(fds[1], "ab", 2) == 2);
    CHECK(read(fds[0], &byte, 1) == 1 && byte == 'a');
    /* O_DIRECT switches packet mode on and off. */
    CHECK_OK(fcntl(fds[1], F_SETFL, O_DIRECT));
    CHECK(fcntl(fds[1], F_GETFL) == (O_WRONLY | O_DIRECT));
    CHECK_OK(fcntl(fds[1], F_SETFL, 0));
    CHECK(fcntl(fds[1], F_GETFL) == O_WRONLY);
    CHECK_OK(close(fds[0]));
    CHECK_OK(close(fds[1]));
}

static void packets(void)
{
    static char big[5000];
    char buffer[8192];
    int fds[2];
    CHECK_OK(pipe2(fds, O_DIRECT | O_NONBLOCK));
    CHECK(write(fds[1], "first", 5) == 5);
    CHECK(write(fds[1], "second packet", 13) == 13);
    CHECK(write(fds[1], "third", 5) == 5);
    int available = -1;
    CHECK_OK(ioctl(fds[0], FIONREAD, &available));
    CHECK(available == 23);
    /* One packet per read; a short read drops the rest of its packet. */
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 5 && memcmp(buffer, "first", 5) == 0);
    CHECK(read(fds[0], buffer, 6) == 6 && memcmp(buffer, "second", 6) == 0);
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 5 && memcmp(buffer, "third", 5) == 0);
    CHECK_ERRNO(read(fds[0], buffer, sizeof(buffer)), EAGAIN);
    /* A write larger than a page becomes packets of a page. */
    fill(big, sizeof(big), 'k');
    CHECK(write(fds[1], big, sizeof(big)) == (ssize_t)sizeof(big));
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 4096 && memcmp(buffer, big, 4096) == 0);
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 904 && memcmp(buffer, big + 4096, 904) == 0);
    /* Sixteen packets fill the pipe, however small. */
    for (int index = 0; index < 16; ++index)
        CHECK(write(fds[1], "p", 1) == 1);
    CHECK_ERRNO(write(fds[1], "p", 1), EAGAIN);
    CHECK_OK(close(fds[0]));
    CHECK_OK(close(fds[1]));
}

static void limits_and_bad_arguments(void)
{
    int fds[2];
    /* A bad array pointer is EFAULT and leaves no descriptor behind. */
    CHECK_ERRNO(syscall(SYS_pipe, 8), EFAULT);
    CHECK_ERRNO(syscall(SYS_pipe2, 8, O_CLOEXEC), EFAULT);
    int probe = dup(0);
    CHECK_OK(probe);
    CHECK(probe == 3);
    CHECK_OK(close(probe));

    /* RLIMIT_NOFILE: pipe needs two free descriptors. */
    struct rlimit saved, limit;
    CHECK_OK(getrlimit(RLIMIT_NOFILE, &saved));
    limit = saved;
    limit.rlim_cur = 5;
    CHECK_OK(setrlimit(RLIMIT_NOFILE, &limit));
    int filler = dup(0);
    CHECK(filler == 3);
    /* Only descriptor 4 is free. */
    CHECK_ERRNO(pipe(fds), EMFILE);
    CHECK_OK(close(filler));
    CHECK_OK(pipe(fds));
    CHECK(fds[0] == 3 && fds[1] == 4);
    CHECK_ERRNO(pipe(fds), EMFILE);
    CHECK_OK(close(3));
    CHECK_OK(close(4));
    CHECK_OK(setrlimit(RLIMIT_NOFILE, &saved));
}

int main(void)
{
    flags_and_metadata();
    end_of_file_and_broken_pipe();
    capacity_and_non_blocking();
    status_flags();
    packets();
    limits_and_bad_arguments();
    return check_passed("pipe");
}
