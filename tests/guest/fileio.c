/* File I/O on the root file system: every path lives in a fresh directory under /tmp, which
 * the guest always has. Linux is the reference: each check passes on the host too. */
#define _GNU_SOURCE
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* The kernel's struct statx (musl's headers do not declare it). */
struct kernel_statx_timestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct kernel_statx {
    uint32_t stx_mask;
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t spare0;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    struct kernel_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t spare2[14];
};
#define KERNEL_STATX_TYPE 0x1u
#define KERNEL_STATX_MODE 0x2u
#define KERNEL_STATX_NLINK 0x4u
#define KERNEL_STATX_SIZE 0x200u
#define KERNEL_STATX_BASIC_STATS 0x7ffu

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    CHECK(close(fd) == 0);
}

static void expect_file(const char *path, const char *text)
{
    char buffer[256];
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    ssize_t n = read(fd, buffer, sizeof buffer);
    CHECK(n == (ssize_t)strlen(text));
    CHECK(memcmp(buffer, text, (size_t)n) == 0);
    CHECK(close(fd) == 0);
}

static int all_zero(const char *buffer, size_t size)
{
    for (size_t i = 0; i < size; ++i)
        if (buffer[i] != 0)
            return 0;
    return 1;
}

static void test_create_read_write(void)
{
    char buffer[64];
    int fd = open("a", O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0);
    CHECK_ERRNO(open("a", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
    CHECK(write(fd, "hello world", 11) == 11);
    CHECK(lseek(fd, 0, SEEK_CUR) == 11);
    CHECK_ERRNO(read(fd, buffer, 1), EBADF); /* write-only */
    CHECK(close(fd) == 0);
    CHECK_ERRNO(write(fd, "x", 1), EBADF); /* closed */

    fd = openat(AT_FDCWD, "a", O_RDWR);
    CHECK(fd >= 0);
    CHECK(read(fd, buffer, sizeof buffer) == 11);
    CHECK(memcmp(buffer, "hello world", 11) == 0);
    CHECK(read(fd, buffer, sizeof buffer) == 0); /* end of file */
    CHECK(lseek(fd, 6, SEEK_SET) == 6);
    CHECK(read(fd, buffer, 5) == 5);
    CHECK(memcmp(buffer, "world", 5) == 0);
    CHECK(lseek(fd, -5, SEEK_CUR) == 6);
    CHECK(write(fd, "WORLD", 5) == 5);
    CHECK(lseek(fd, -3, SEEK_END) == 8);
    CHECK(read(fd, buffer, sizeof buffer) == 3);
    CHECK(memcmp(buffer, "RLD", 3) == 0);
    CHECK_ERRNO(lseek(fd, -100, SEEK_SET), EINVAL);
    CHECK(close(fd) == 0);
    expect_file("a", "hello WORLD");

    /* O_APPEND writes at the end whatever the offset. */
    fd = open("a", O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(write(fd, "!", 1) == 1);
    CHECK(lseek(fd, 0, SEEK_CUR) == 12);
    CHECK(close(fd) == 0);
    expect_file("a", "hello WORLD!");

    /* O_TRUNC empties it. */
    fd = open("a", O_WRONLY | O_TRUNC);
    CHECK(fd >= 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0);
    CHECK(st.st_size == 0);
    CHECK(close(fd) == 0);
    expect_file("a", "");
}

static void test_positional_and_vectored(void)
{
    char buffer[200];
    int fd = open("p", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "abc", 3) == 3);
    /* pwrite past the end leaves a hole of zeros and does not move the offset. */
    CHECK(pwrite(fd, "xyz", 3, 100) == 3);
    CHECK(lseek(fd, 0, SEEK_CUR) == 3);
    struct stat st;
    CHECK(fstat(fd, &st) == 0);
    CHECK(st.st_size == 103);
    memset(buffer, 0x55, sizeof buffer);
    CHECK(pread(fd, buffer, sizeof buffer, 0) == 103);
    CHECK(memcmp(buffer, "abc", 3) == 0);
    CHECK(all_zero(buffer + 3, 97));
    CHECK(memcmp(buffer + 100, "xyz", 3) == 0);
    CHECK(pread(fd, buffer, 10, 200) == 0);
    CHECK(lseek(fd, 0, SEEK_CUR) == 3);

    /* A hole made by seeking past the end and writing. */
    CHECK(lseek(fd, 10, SEEK_END) == 113);
    CHECK(write(fd, "Q", 1) == 1);
    CHECK(fstat(fd, &st) == 0);
    CHECK(st.st_size == 114);
    memset(buffer, 0x55, sizeof buffer);
    CHECK(pread(fd, buffer, 11, 103) == 11);
    CHECK(all_zero(buffer, 10));
    CHECK(buffer[10] == 'Q');

    /* writev gathers, readv scatters. */
    CHECK(ftruncate(fd, 0) == 0);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    struct iovec out[3] = {
        { .iov_base = "one,", .iov_len = 4 },
        { .iov_base = "", .iov_len = 0 },
        { .iov_base = "two,three", .iov_len = 9 },
    };
    CHECK(writev(fd, out, 3) == 13);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    char first[6] = { 0 }, second[32] = { 0 };
    struct iovec in[2] = { { .iov_base = first, .iov_len = 5 }, { .iov_base = second, .iov_len = sizeof second } };
    CHECK(readv(fd, in, 2) == 13);
    CHECK(memcmp(first, "one,t", 5) == 0);
    CHECK(memcmp(second, "wo,three", 8) == 0);

    /* ftruncate grows with zeros and shrinks. */
    CHECK(ftruncate(fd, 5000) == 0);
    CHECK(fstat(fd, &st) == 0);
    CHECK(st.st_size == 5000);
    static char big[5000];
    memset(big, 0x55, sizeof big);
    CHECK(pread(fd, big, sizeof big, 0) == 5000);
    CHECK(memcmp(big, "one,two,three", 13) == 0);
    CHECK(all_zero(big + 13, sizeof big - 13));
    CHECK(ftruncate(fd, 2) == 0);
    CHECK(fstat(fd, &st) == 0);
    CHECK(st.st_size == 2);
    CHECK(pread(fd, buffer, sizeof buffer, 0) == 2);
    CHECK(memcmp(buffer, "on", 2) == 0);
    /* Growing again after a shrink must not resurrect the old bytes. */
    CHECK(ftruncate(fd, 8) == 0);
    memset(buffer, 0x55, sizeof buffer);
    CHECK(pread(fd, buffer, sizeof buffer, 0) == 8);
    CHECK(memcmp(buffer, "on", 2) == 0);
    CHECK(all_zero(buffer + 2, 6));
    CHECK_ERRNO(ftruncate(fd, -1), EINVAL);

    CHECK(fsync(fd) == 0);
    CHECK(fdatasync(fd) == 0);
    CHECK(close(fd) == 0);
    CHECK(unlink("p") == 0);
}

static void test_metadata(void)
{
    write_file("m", "12345");
    struct stat st;
    CHECK(stat("m", &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK((st.st_mode & 07777) == 0644);
    CHECK(st.st_size == 5);
    CHECK(st.st_nlink == 1);

    struct stat viaat;
    CHECK(fstatat(AT_FDCWD, "m", &viaat, 0) == 0);
    CHECK(viaat.st_ino == st.st_ino);
    CHECK(viaat.st_size == 5);
    CHECK(viaat.st_mode == st.st_mode);

    int fd = open("m", O_RDONLY);
    CHECK(fd >= 0);
    struct stat viafd;
    CHECK(fstat(fd, &viafd) == 0);
    CHECK(viafd.st_ino == st.st_ino);
    CHECK(viafd.st_size == 5);
    /* fstatat with an empty path and AT_EMPTY_PATH describes the descriptor itself. */
    CHECK(fstatat(fd, "", &viaat, AT_EMPTY_PATH) == 0);
    CHECK(viaat.st_ino == st.st_ino);
    CHECK(close(fd) == 0);

    struct kernel_statx stx;
    memset(&stx, 0xff, sizeof stx);
    CHECK(syscall(SYS_statx, AT_FDCWD, "m", 0, KERNEL_STATX_BASIC_STATS, &stx) == 0);
    CHECK((stx.stx_mask & (KERNEL_STATX_TYPE | KERNEL_STATX_MODE | KERNEL_STATX_NLINK | KERNEL_STATX_SIZE))
        == (KERNEL_STATX_TYPE | KERNEL_STATX_MODE | KERNEL_STATX_NLINK | KERNEL_STATX_SIZE));
    CHECK(stx.stx_mode == (S_IFREG | 0644));
    CHECK(stx.stx_size == 5);
    CHECK(stx.stx_nlink == 1);
    CHECK(stx.stx_ino == st.st_ino);

    CHECK(mkdir("md", 0755) == 0);
    CHECK(stat("md", &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 07777) == 0755);
    CHECK(st.st_nlink >= 1);
    CHECK(rmdir("md") == 0);

    /* Symbolic links: lstat sees the link, stat follows it. */
    CHECK(symlink("m", "link") == 0);
    CHECK_ERRNO(symlink("m", "link"), EEXIST);
    char target[64];
    memset(target, 0, sizeof target);
    CHECK(readlink("link", target, sizeof target) == 1);
    CHECK(strcmp(target, "m") == 0);
    CHECK_ERRNO(readlink("m", target, sizeof target), EINVAL);
    CHECK(lstat("link", &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
    CHECK(st.st_size == 1);
    CHECK(fstatat(AT_FDCWD, "link", &st, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(S_ISLNK(st.st_mode));
    CHECK(stat("link", &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK(st.st_size == 5);
    expect_file("link", "12345");
    CHECK(symlink("nowhere", "dangling") == 0);
    CHECK_ERRNO(stat("dangling", &st), ENOENT);
    CHECK(lstat("dangling", &st) == 0);
    CHECK(unlink("dangling") == 0);
    CHECK(unlink("link") == 0);
    CHECK(stat("m", &st) == 0); /* removing the link left the target */

    /* access/faccessat (no X_OK: root may execute nothing without an x bit, yet reads all). */
    CHECK(access("m", F_OK) == 0);
    CHECK(access("m", R_OK | W_OK) == 0);
    CHECK(faccessat(AT_FDCWD, "m", R_OK, 0) == 0);
    CHECK_ERRNO(access("missing", F_OK), ENOENT);
    CHECK_ERRNO(faccessat(AT_FDCWD, "missing", R_OK, 0), ENOENT);
    CHECK(unlink("m") == 0);
}

static void test_directories(const char *base)
{
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) == cwd);
    CHECK(strcmp(cwd, base) == 0);

    CHECK(mkdir("d", 0755) == 0);
    CHECK_ERRNO(mkdir("d", 0755), EEXIST);
    CHECK(chdir("d") == 0);
    CHECK(getcwd(cwd, sizeof cwd) == cwd);
    CHECK(strlen(cwd) == strlen(base) + 2);
    CHECK(strncmp(cwd, base, strlen(base)) == 0);
    CHECK(strcmp(cwd + strlen(base), "/d") == 0);
    write_file("inner", "in");
    CHECK(chdir("..") == 0);
    CHECK(getcwd(cwd, sizeof cwd) == cwd);
    CHECK(strcmp(cwd, base) == 0);
    expect_file("d/inner", "in");
    errno = 0;
    CHECK(getcwd(cwd, 1) == NULL && errno == ERANGE);

    write_file("f", "file");
    CHECK_ERRNO(chdir("f"), ENOTDIR);
    CHECK_ERRNO(chdir("missing"), ENOENT);
    CHECK_ERRNO(rmdir("d"), ENOTEMPTY);
    CHECK_ERRNO(unlink("d"), EISDIR);
    CHECK_ERRNO(rmdir("f"), ENOTDIR);
    CHECK_ERRNO(rmdir("missing"), ENOENT);
    CHECK_ERRNO(unlink("missing"), ENOENT);
    CHECK_ERRNO(mkdir("f", 0755), EEXIST);
    CHECK_ERRNO(mkdir("missing/sub", 0755), ENOENT);
    CHECK_ERRNO(open("f/x", O_RDONLY), ENOTDIR);
    CHECK_ERRNO(open("f/x", O_WRONLY | O_CREAT, 0644), ENOTDIR);
    CHECK_ERRNO(open("missing", O_RDONLY), ENOENT);
    CHECK_ERRNO(open("missing/x", O_WRONLY | O_CREAT, 0644), ENOENT);
    CHECK_ERRNO(open("d", O_WRONLY), EISDIR);
    CHECK_ERRNO(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
    int dfd = open("d", O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    int inner = openat(dfd, "inner", O_RDONLY);
    CHECK(inner >= 0);
    CHECK(close(inner) == 0);
    CHECK(close(dfd) == 0);

    /* rename: plain, over an existing file, and the error cases. */
    CHECK(rename("f", "g") == 0);
    CHECK_ERRNO(access("f", F_OK), ENOENT);
    expect_file("g", "file");
    write_file("h", "other");
    CHECK(rename("h", "g") == 0);
    expect_file("g", "other");
    CHECK_ERRNO(access("h", F_OK), ENOENT);
    CHECK_ERRNO(rename("missing", "x"), ENOENT);
    CHECK_ERRNO(rename("g", "d"), EISDIR);
    CHECK_ERRNO(rename("d", "g"), ENOTDIR);
    CHECK(mkdir("e", 0755) == 0);
    CHECK_ERRNO(rename("e", "d"), ENOTEMPTY);
    CHECK(rename("d", "e") == 0); /* over an empty directory */
    expect_file("e/inner", "in");
    CHECK_ERRNO(access("d", F_OK), ENOENT);
    CHECK(rename("e/inner", "moved") == 0);
    expect_file("moved", "in");

    CHECK(unlink("moved") == 0);
    CHECK(unlink("g") == 0);
    CHECK(rmdir("e") == 0);
}

static void test_listing(void)
{
    CHECK(mkdir("list", 0755) == 0);
    write_file("list/f1", "1");
    write_file("list/f2", "2");
    CHECK(mkdir("list/sub", 0755) == 0);

    const char *names[] = { ".", "..", "f1", "f2", "sub" };
    const unsigned char types[] = { DT_DIR, DT_DIR, DT_REG, DT_REG, DT_DIR };
    int seen[5] = { 0 };
    DIR *dir = opendir("list");
    CHECK(dir != NULL);
    struct dirent *entry;
    int count = 0;
    errno = 0;
    while ((entry = readdir(dir)) != NULL) {
        int known = 0;
        for (int i = 0; i < 5; ++i) {
            if (strcmp(entry->d_name, names[i]) == 0) {
                CHECK(!seen[i]);
                seen[i] = 1;
                known = 1;
                CHECK(entry->d_type == types[i]);
            }
        }
        if (!known)
            fprintf(stderr, "unexpected entry '%s'\n", entry->d_name);
        CHECK(known);
        ++count;
    }
    CHECK(errno == 0);
    CHECK(count == 5);
    /* rewinddir lists the same entries again. */
    rewinddir(dir);
    count = 0;
    while (readdir(dir) != NULL)
        ++count;
    CHECK(count == 5);
    CHECK(closedir(dir) == 0);
    CHECK(opendir("list/f1") == NULL && errno == ENOTDIR);
    CHECK(opendir("list/missing") == NULL && errno == ENOENT);

    CHECK(unlink("list/f1") == 0);
    CHECK(unlink("list/f2") == 0);
    CHECK(rmdir("list/sub") == 0);
    CHECK(rmdir("list") == 0);
}

int main(void)
{
    umask(022);
    char base[] = "/tmp/fileio.XXXXXX";
    CHECK(mkdtemp(base) == base);
    CHECK(chdir(base) == 0);

    test_create_read_write();
    CHECK(unlink("a") == 0);
    test_positional_and_vectored();
    test_metadata();
    test_directories(base);
    test_listing();

    CHECK(chdir("/") == 0);
    CHECK(rmdir(base) == 0);
    return check_passed("fileio");
}
