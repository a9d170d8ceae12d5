/* Less common file calls: flock(2) between descriptions and processes, posix_fadvise(2),
 * fallocate(2), readahead(2), sync(2), syncfs(2), utime(2), utimes(2), futimesat(2),
 * preadv2(2), pwritev2(2), copy_file_range(2) and the extended attribute calls. Files live in
 * a fresh directory under /tmp. Linux is the reference: each check passes on the host too. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

/* preadv2(2) and pwritev2(2) flags (musl's headers do not declare them). */
#define RWF_HIPRI 0x01
#define RWF_DSYNC 0x02
#define RWF_SYNC 0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10

#define BAD_POINTER ((void *)16)

static char directory[64];
static char path[128];

static void make_file(const char *name, const char *text)
{
    snprintf(path, sizeof path, "%s/%s", directory, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    CHECK(close(fd) == 0);
}

static long file_size(int fd)
{
    struct stat st;
    CHECK(fstat(fd, &st) == 0);
    return (long)st.st_size;
}

static void on_alarm(int signal) { (void)signal; }

static void test_flock(void)
{
    make_file("lock", "locked");
    int a = open(path, O_RDONLY);
    int b = open(path, O_RDWR);
    CHECK(a >= 0 && b >= 0);

    /* Arguments. */
    CHECK_ERRNO(flock(-1, LOCK_SH), EBADF);
    CHECK_ERRNO(flock(1000, LOCK_EX), EBADF);
    CHECK_ERRNO(flock(a, 0), EINVAL);
    CHECK_ERRNO(flock(a, LOCK_SH | LOCK_EX), EINVAL);
    CHECK_ERRNO(flock(a, 77), EINVAL);
    int opath = open(path, O_PATH);
    CHECK(opath >= 0);
    CHECK_ERRNO(flock(opath, LOCK_SH), EBADF);
    CHECK(close(opath) == 0);

    /* Shared locks coexist; an exclusive one conflicts with them (a read-only descriptor may
     * hold an exclusive lock). */
    CHECK_OK(flock(a, LOCK_SH));
    CHECK_OK(flock(b, LOCK_SH | LOCK_NB));
    CHECK_ERRNO(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    /* The failed conversion dropped b's shared lock, as Linux's does. */
    CHECK_OK(flock(a, LOCK_EX | LOCK_NB));
    CHECK_ERRNO(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    /* Converting back and unlocking twice. */
    CHECK_OK(flock(a, LOCK_SH));
    CHECK_OK(flock(b, LOCK_SH | LOCK_NB));
    CHECK_OK(flock(b, LOCK_UN));
    CHECK_OK(flock(b, LOCK_UN));
    CHECK_OK(flock(a, LOCK_UN));

    /* A lock belongs to the description: a dup shares it, and it goes only with the last
     * descriptor. */
    CHECK_OK(flock(a, LOCK_EX));
    int a2 = dup(a);
    CHECK(a2 >= 0);
    CHECK_OK(flock(a2, LOCK_EX | LOCK_NB));
    CHECK(close(a) == 0);
    CHECK_ERRNO(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    CHECK(close(a2) == 0);
    CHECK_OK(flock(b, LOCK_EX | LOCK_NB));
    CHECK_OK(flock(b, LOCK_UN));

    /* Between processes: the parent holds an exclusive lock; the child fails with LOCK_NB,
     * then blocks until the parent lets go. The inherited descriptor shares the lock. */
    int parent_fd = open(path, O_RDONLY);
    CHECK(parent_fd >= 0);
    CHECK_OK(flock(parent_fd, LOCK_EX));
    int to_parent[2], to_child[2];
    CHECK(pipe(to_parent) == 0 && pipe(to_child) == 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        char byte;
        int own = open(path, O_RDONLY);
        if (own < 0)
            _exit(10);
        if (flock(own, LOCK_EX | LOCK_NB) != -1 || errno != EWOULDBLOCK)
            _exit(11);
        if (flock(own, LOCK_SH | LOCK_NB) != -1 || errno != EWOULDBLOCK)
            _exit(12);
        if (flock(parent_fd, LOCK_EX | LOCK_NB) != 0)
            _exit(13);
        /* A blocking wait that a signal interrupts. */
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_alarm;
        sigaction(SIGALRM, &action, NULL);
        struct itimerval timer = { { 0, 0 }, { 0, 50000 } };
        setitimer(ITIMER_REAL, &timer, NULL);
        if (flock(own, LOCK_EX) != -1 || errno != EINTR)
            _exit(14);
        if (write(to_parent[1], "w", 1) != 1)
            _exit(15);
        if (flock(own, LOCK_EX) != 0)
            _exit(16);
        if (write(to_parent[1], "l", 1) != 1)
            _exit(17);
        if (read(to_child[0], &byte, 1) != 1)
            _exit(18);
        _exit(0); /* exiting closes the last descriptor: the lock goes */
    }
    char byte;
    CHECK(read(to_parent[0], &byte, 1) == 1 && byte == 'w');
    usleep(100000);
    /* The child is still waiting. */
    struct timeval none = { 0, 0 };
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(to_parent[0], &readable);
    CHECK(select(to_parent[0] + 1, &readable, NULL, NULL, &none) == 0);
    CHECK_OK(flock(parent_fd, LOCK_UN));
    CHECK(read(to_parent[0], &byte, 1) == 1 && byte == 'l');
    CHECK_ERRNO(flock(parent_fd, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    CHECK(write(to_child[1], "x", 1) == 1);
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_OK(flock(parent_fd, LOCK_SH | LOCK_NB));
    CHECK(close(parent_fd) == 0);
    CHECK(close(b) == 0);
    close(to_parent[0]), close(to_parent[1]), close(to_child[0]), close(to_child[1]);
}

static void test_advice(void)
{
    make_file("advice", "0123456789");
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);

    /* posix_fadvise() returns the error number rather than setting errno. */
    CHECK_OK(syscall(SYS_fadvise64, fd, 0, 0, POSIX_FADV_NORMAL));
    CHECK_OK(syscall(SYS_fadvise64, fd, 0, 10, POSIX_FADV_SEQUENTIAL));
    CHECK_OK(syscall(SYS_fadvise64, fd, 0, 10, POSIX_FADV_WILLNEED));
    CHECK_OK(syscall(SYS_fadvise64, fd, 4, 100, POSIX_FADV_DONTNEED));
    CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM) == 0);
    CHECK(posix_fadvise(fd, 0, 0, 99) == EINVAL);
    CHECK_ERRNO(syscall(SYS_fadvise64, fd, 0, (long)-1, POSIX_FADV_NORMAL), EINVAL);
    CHECK_ERRNO(syscall(SYS_fadvise64, pipe_fds[0], 0, 0, POSIX_FADV_NORMAL), ESPIPE);
    CHECK_ERRNO(syscall(SYS_fadvise64, -1, 0, 0, POSIX_FADV_NORMAL), EBADF);

    /* readahead(2): regular files open for reading. */
    CHECK_OK(syscall(SYS_readahead, fd, 0, 4096));
    CHECK_ERRNO(syscall(SYS_readahead, pipe_fds[0], 0, 4096), EINVAL);
    CHECK_ERRNO(syscall(SYS_readahead, -1, 0, 4096), EBADF);
    int write_only = open(path, O_WRONLY);
    CHECK(write_only >= 0);
    CHECK_ERRNO(syscall(SYS_readahead, write_only, 0, 4096), EBADF);

    /* sync(2), syncfs(2). */
    sync();
    CHECK_OK(syscall(SYS_syncfs, fd));
    CHECK_ERRNO(syscall(SYS_syncfs, -1), EBADF);
    CHECK_ERRNO(syscall(SYS_syncfs, 999), EBADF);

    /* fallocate(2): mode 0 grows the file, FALLOC_FL_KEEP_SIZE does not. */
    CHECK_OK(fallocate(fd, 0, 0, 4));
    CHECK(file_size(fd) == 10);
    CHECK_OK(fallocate(fd, 0, 8, 12));
    CHECK(file_size(fd) == 20);
    CHECK_OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 100000));
    CHECK(file_size(fd) == 20);
    char buffer[32];
    CHECK(pread(fd, buffer, sizeof buffer, 0) == 20);
    CHECK(memcmp(buffer, "0123456789", 10) == 0);
    for (int index = 10; index < 20; ++index)
        CHECK(buffer[index] == 0);
    CHECK_ERRNO(fallocate(fd, 0, -1, 10), EINVAL);
    CHECK_ERRNO(fallocate(fd, 0, 0, 0), EINVAL);
    CHECK_ERRNO(fallocate(fd, 0, 0, -5), EINVAL);
    CHECK_ERRNO(fallocate(fd, 0x1000, 0, 10), EOPNOTSUPP);
    CHECK_ERRNO(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10), EOPNOTSUPP);
    CHECK_ERRNO(fallocate(fd, 0, INT64_MAX - 10, 100), EFBIG);
    CHECK_ERRNO(fallocate(-1, 0, 0, 10), EBADF);
    int read_only = open(path, O_RDONLY);
    CHECK(read_only >= 0);
    CHECK_ERRNO(fallocate(read_only, 0, 0, 10), EBADF);
    CHECK_ERRNO(fallocate(pipe_fds[1], 0, 0, 10), ESPIPE);
    int null_fd = open("/dev/null", O_WRONLY);
    CHECK(null_fd >= 0);
    CHECK_ERRNO(fallocate(null_fd, 0, 0, 10), ENODEV);

    close(null_fd), close(read_only), close(write_only), close(fd);
    close(pipe_fds[0]), close(pipe_fds[1]);
}

static void test_times(void)
{
    make_file("times", "t");
    struct stat st;

    struct utimbuf old_times = { 1000000000, 1100000000 };
    CHECK_OK(utime(path, &old_times));
    CHECK(stat(path, &st) == 0);
    CHECK(st.st_atime == 1000000000 && st.st_mtime == 1100000000);
    CHECK(st.st_atim.tv_nsec == 0 && st.st_mtim.tv_nsec == 0);

    struct timeval times[2] = { { 1200000000, 250000 }, { 1300000000, 500 } };
    CHECK_OK(utimes(path, times));
    CHECK(stat(path, &st) == 0);
    CHECK(st.st_atime == 1200000000 && st.st_atim.tv_nsec == 250000000);
    CHECK(st.st_mtime == 1300000000 && st.st_mtim.tv_nsec == 500000);

    /* Null times: now. */
    time_t before = time(NULL);
    CHECK_OK(syscall(SYS_utime, path, NULL));
    CHECK(stat(path, &st) == 0);
    CHECK(st.st_mtime >= before - 1 && st.st_atime >= before - 1);

    /* futimesat(2): relative to a directory, or the descriptor itself with a null path. */
    int dirfd = open(directory, O_RDONLY | O_DIRECTORY);
    CHECK(dirfd >= 0);
    CHECK_OK(syscall(SYS_futimesat, dirfd, "times", times));
    CHECK(stat(path, &st) == 0);
    CHECK(st.st_mtime == 1300000000);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    struct timeval other[2] = { { 5, 0 }, { 6, 0 } };
    CHECK_OK(syscall(SYS_futimesat, fd, NULL, other));
    CHECK(stat(path, &st) == 0);
    CHECK(st.st_atime == 5 && st.st_mtime == 6);

    struct timeval bad[2] = { { 1, 1000000 }, { 1, 0 } };
    CHECK_ERRNO(syscall(SYS_utimes, path, bad), EINVAL);
    struct timeval negative[2] = { { 1, 0 }, { 1, -1 } };
    CHECK_ERRNO(syscall(SYS_utimes, path, negative), EINVAL);
    CHECK_ERRNO(syscall(SYS_utimes, "/nonexistent/file", times), ENOENT);
    CHECK_ERRNO(syscall(SYS_utime, "/nonexistent", NULL), ENOENT);
    CHECK_ERRNO(syscall(SYS_utimes, path, BAD_POINTER), EFAULT);
    CHECK_ERRNO(syscall(SYS_utime, path, BAD_POINTER), EFAULT);
    CHECK_ERRNO(syscall(SYS_utimes, BAD_POINTER, NULL), EFAULT);
    CHECK_ERRNO(syscall(SYS_futimesat, AT_FDCWD, NULL, times), EFAULT);
    CHECK_ERRNO(syscall(SYS_futimesat, -1, NULL, times), EBADF);
    CHECK_ERRNO(syscall(SYS_futimesat, 999, "times", times), EBADF);
    CHECK(close(fd) == 0);
    CHECK(close(dirfd) == 0);
}

static void test_vectors(void)
{
    make_file("vectors", "abcdefghij");
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    char first[4] = { 0 }, second[4] = { 0 };
    struct iovec vectors[2] = { { first, 3 }, { second, 3 } };

    /* At an offset, leaving the file position alone. */
    CHECK(syscall(SYS_preadv2, fd, vectors, 2, 2, 0, 0) == 6);
    CHECK(memcmp(first, "cde", 3) == 0 && memcmp(second, "fgh", 3) == 0);
    CHECK(lseek(fd, 0, SEEK_CUR) == 0);
    /* -1: at the file position, which moves. */
    CHECK(syscall(SYS_preadv2, fd, vectors, 2, (long)-1, 0, RWF_HIPRI) == 6);
    CHECK(memcmp(first, "abc", 3) == 0 && memcmp(second, "def", 3) == 0);
    CHECK(lseek(fd, 0, SEEK_CUR) == 6);

    struct iovec out[1] = { { "XY", 2 } };
    CHECK(syscall(SYS_pwritev2, fd, out, 1, 0, 0, RWF_DSYNC) == 2);
    CHECK(lseek(fd, 0, SEEK_CUR) == 6);
    CHECK(syscall(SYS_pwritev2, fd, out, 1, (long)-1, 0, RWF_SYNC) == 2);
    CHECK(lseek(fd, 0, SEEK_CUR) == 8);
    /* RWF_APPEND: at the end whatever the offset. */
    CHECK(syscall(SYS_pwritev2, fd, out, 1, 0, 0, RWF_APPEND) == 2);
    char whole[16] = { 0 };
    CHECK(pread(fd, whole, sizeof whole, 0) == 12);
    CHECK(memcmp(whole, "XYcdefXYijXY", 12) == 0);

    CHECK_ERRNO(syscall(SYS_preadv2, fd, vectors, 2, (long)-2, 0, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_preadv2, fd, vectors, 2, 0, 0, 0x10000000), EOPNOTSUPP);
    CHECK_ERRNO(syscall(SYS_pwritev2, fd, out, 1, 0, 0, 0x10000000), EOPNOTSUPP);
    CHECK_ERRNO(syscall(SYS_preadv2, -1, vectors, 2, 0, 0, 0), EBADF);
    CHECK_ERRNO(syscall(SYS_preadv2, fd, BAD_POINTER, 2, 0, 0, 0), EFAULT);
    CHECK_ERRNO(syscall(SYS_preadv2, fd, vectors, -1, 0, 0, 0), EINVAL);

    /* Pipes: no offset (ESPIPE), and RWF_NOWAIT does not wait for data. */
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    CHECK_ERRNO(syscall(SYS_preadv2, pipe_fds[0], vectors, 2, 0, 0, 0), ESPIPE);
    CHECK_ERRNO(syscall(SYS_preadv2, pipe_fds[0], vectors, 2, (long)-1, 0, RWF_NOWAIT), EAGAIN);
    CHECK(syscall(SYS_pwritev2, pipe_fds[1], out, 1, (long)-1, 0, RWF_NOWAIT) == 2);
    CHECK(syscall(SYS_preadv2, pipe_fds[0], vectors, 2, (long)-1, 0, RWF_NOWAIT) == 2);
    CHECK(memcmp(first, "XY", 2) == 0);
    CHECK((fcntl(pipe_fds[0], F_GETFL) & O_NONBLOCK) == 0);
    close(pipe_fds[0]), close(pipe_fds[1]);
    CHECK(close(fd) == 0);
}

static void test_copy_file_range(void)
{
    make_file("source", "0123456789");
    char source[128];
    strcpy(source, path);
    make_file("target", "abcdefghijklmnop");
    int in = open(source, O_RDONLY);
    int out = open(path, O_RDWR);
    CHECK(in >= 0 && out >= 0);

    /* File positions move. */
    CHECK(lseek(in, 2, SEEK_SET) == 2);
    CHECK(syscall(SYS_copy_file_range, in, NULL, out, NULL, 3, 0) == 3);
    CHECK(lseek(in, 0, SEEK_CUR) == 5);
    CHECK(lseek(out, 0, SEEK_CUR) == 3);
    /* Offsets move instead. */
    loff_t in_offset = 7, out_offset = 14;
    CHECK(syscall(SYS_copy_file_range, in, &in_offset, out, &out_offset, 100, 0) == 3);
    CHECK(in_offset == 10 && out_offset == 17);
    CHECK(lseek(in, 0, SEEK_CUR) == 5);
    CHECK(lseek(out, 0, SEEK_CUR) == 3);
    char buffer[32] = { 0 };
    CHECK(pread(out, buffer, sizeof buffer, 0) == 17);
    CHECK(memcmp(buffer, "234defghijklmn789", 17) == 0);
    /* At the end of the input: 0. */
    CHECK(syscall(SYS_copy_file_range, in, &in_offset, out, NULL, 10, 0) == 0);

    /* Within one file: apart is fine, overlapping is not. */
    loff_t from = 0, to = 8;
    CHECK(syscall(SYS_copy_file_range, out, &from, out, &to, 4, 0) == 4);
    from = 0, to = 2;
    CHECK_ERRNO(syscall(SYS_copy_file_range, out, &from, out, &to, 4, 0), EINVAL);

    CHECK_ERRNO(syscall(SYS_copy_file_range, in, NULL, out, NULL, 1, 1), EINVAL);
    CHECK_ERRNO(syscall(SYS_copy_file_range, -1, NULL, out, NULL, 1, 0), EBADF);
    CHECK_ERRNO(syscall(SYS_copy_file_range, in, NULL, -1, NULL, 1, 0), EBADF);
    CHECK_ERRNO(syscall(SYS_copy_file_range, out, NULL, in, NULL, 1, 0), EBADF);
    int write_only = open(source, O_WRONLY);
    CHECK(write_only >= 0);
    CHECK_ERRNO(syscall(SYS_copy_file_range, write_only, NULL, out, NULL, 1, 0), EBADF);
    int appending = open(path, O_WRONLY | O_APPEND);
    CHECK(appending >= 0);
    CHECK_ERRNO(syscall(SYS_copy_file_range, in, NULL, appending, NULL, 1, 0), EBADF);
    loff_t negative = -100;
    CHECK_ERRNO(syscall(SYS_copy_file_range, in, &negative, out, NULL, 1, 0), EINVAL);
    negative = -1;
    CHECK_ERRNO(syscall(SYS_copy_file_range, in, &negative, out, NULL, 1, 0), EOVERFLOW);
    CHECK_ERRNO(syscall(SYS_copy_file_range, in, BAD_POINTER, out, NULL, 1, 0), EFAULT);
    int dirfd = open(directory, O_RDONLY | O_DIRECTORY);
    CHECK(dirfd >= 0);
    CHECK_ERRNO(syscall(SYS_copy_file_range, dirfd, NULL, out, NULL, 1, 0), EISDIR);
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    CHECK(write(pipe_fds[1], "p", 1) == 1);
    CHECK_ERRNO(syscall(SYS_copy_file_range, pipe_fds[0], NULL, out, NULL, 1, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_copy_file_range, in, NULL, pipe_fds[1], NULL, 1, 0), EINVAL);
    close(pipe_fds[0]), close(pipe_fds[1]);
    close(dirfd), close(appending), close(write_only), close(in), close(out);
}

static void test_xattr(void)
{
    make_file("xattr", "x");
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    char value[64];

    /* No attribute to read; an empty list (a host file system may hold security labels). */
    errno = 0;
    CHECK(syscall(SYS_getxattr, path, "user.missing", value, sizeof value) == -1);
    CHECK(errno == ENODATA || errno == EOPNOTSUPP);
    errno = 0;
    CHECK(syscall(SYS_fgetxattr, fd, "user.missing", value, sizeof value) == -1);
    CHECK(errno == ENODATA || errno == EOPNOTSUPP);
    errno = 0;
    CHECK(syscall(SYS_lgetxattr, path, "user.missing", NULL, 0) == -1);
    CHECK(errno == ENODATA || errno == EOPNOTSUPP);
    CHECK(syscall(SYS_listxattr, path, NULL, 0) >= 0);
    CHECK(syscall(SYS_llistxattr, path, value, sizeof value) >= 0);
    CHECK(syscall(SYS_flistxattr, fd, value, sizeof value) >= 0);

    /* Setting: refused where there is no support; where there is, the value reads back. */
    errno = 0;
    long set = syscall(SYS_setxattr, path, "user.test", "v", 1, 0);
    CHECK(set == 0 || errno == EOPNOTSUPP);
    if (set == 0) {
        CHECK(syscall(SYS_getxattr, path, "user.test", value, sizeof value) == 1);
        CHECK_OK(syscall(SYS_removexattr, path, "user.test"));
    } else {
        CHECK_ERRNO(syscall(SYS_fsetxattr, fd, "user.test", "v", 1, 0), EOPNOTSUPP);
        CHECK_ERRNO(syscall(SYS_lsetxattr, path, "user.test", "v", 1, 0), EOPNOTSUPP);
        CHECK_ERRNO(syscall(SYS_removexattr, path, "user.test"), EOPNOTSUPP);
    }
    errno = 0;
    CHECK(syscall(SYS_fremovexattr, fd, "user.missing") == -1);
    CHECK(errno == ENODATA || errno == EOPNOTSUPP);

    /* Errors before the file system is asked. */
    CHECK_ERRNO(syscall(SYS_getxattr, "/nonexistent/file", "user.a", value, sizeof value), ENOENT);
    CHECK_ERRNO(syscall(SYS_listxattr, "/nonexistent/file", value, sizeof value), ENOENT);
    CHECK_ERRNO(syscall(SYS_setxattr, "/nonexistent/file", "user.a", "v", 1, 0), ENOENT);
    CHECK_ERRNO(syscall(SYS_removexattr, "/nonexistent/file", "user.a"), ENOENT);
    CHECK_ERRNO(syscall(SYS_getxattr, BAD_POINTER, "user.a", value, sizeof value), EFAULT);
    CHECK_ERRNO(syscall(SYS_getxattr, path, BAD_POINTER, value, sizeof value), EFAULT);
    CHECK_ERRNO(syscall(SYS_setxattr, path, BAD_POINTER, "v", 1, 0), EFAULT);
    CHECK_ERRNO(syscall(SYS_getxattr, path, "", value, sizeof value), ERANGE);
    CHECK_ERRNO(syscall(SYS_setxattr, path, "user.a", "v", 1, 8), EINVAL);
    CHECK_ERRNO(syscall(SYS_fgetxattr, -1, "user.a", value, sizeof value), EBADF);
    CHECK_ERRNO(syscall(SYS_flistxattr, -1, value, sizeof value), EBADF);
    CHECK_ERRNO(syscall(SYS_fsetxattr, -1, "user.a", "v", 1, 0), EBADF);
    CHECK_ERRNO(syscall(SYS_fremovexattr, -1, "user.a"), EBADF);
    CHECK(close(fd) == 0);
}

int main(void)
{
    strcpy(directory, "/tmp/files_extra.XXXXXX");
    CHECK(mkdtemp(directory) != NULL);
    test_flock();
    test_advice();
    test_times();
    test_vectors();
    test_copy_file_range();
    test_xattr();
    return check_passed("files_extra");
}
