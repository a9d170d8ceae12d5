/* File descriptors across processes and threads. After fork both fd tables name the same
 * open file descriptions: the file offset and the status flags (O_APPEND) are shared, while
 * the tables themselves (close, open, FD_CLOEXEC) are separate. dup'd fds share one
 * description; two opens do not. Threads share one table (CLONE_FILES), and so does a
 * process cloned with CLONE_FILES: an fd it opens stays open in the parent after it exits. */
#define _GNU_SOURCE
#include "proc.h"

#include <pthread.h>
#include <sched.h>

static char path[128], other_path[128];
static char stack[64 * 1024] __attribute__((aligned(16)));
static int shared_fd = -1;

static void *open_in_thread(void *arg)
{
    (void)arg;
    shared_fd = open(other_path, O_RDONLY);
    CHECK(shared_fd >= 0);
    return NULL;
}

static void *check_closed_in_thread(void *arg)
{
    int fd = (int)(intptr_t)arg;
    CHECK_ERRNO(fcntl(fd, F_GETFD), EBADF);
    CHECK(fcntl(shared_fd, F_SETFD, FD_CLOEXEC) == 0);
    return NULL;
}

/* A process with CLONE_FILES (and its own memory): opens a file, closes the fd given. */
static int open_and_close(void *arg)
{
    int fd = open(other_path, O_RDONLY);
    if (fd < 0)
        return 100;
    if (close((int)(intptr_t)arg) != 0)
        return 101;
    return fd;
}

int main(void)
{
    char directory[64], buffer[64];
    make_scratch_directory(directory, sizeof directory, "fdshare");
    snprintf(path, sizeof path, "%s/file", directory);
    snprintf(other_path, sizeof other_path, "%s/other", directory);
    write_file(other_path, "other", 0644);

    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "0123456789", 10) == 10);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);

    /* The child's read moves the parent's offset. */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK(read(fd, buffer, 4) == 4);
        CHECK(memcmp(buffer, "0123", 4) == 0);
        _exit(0);
    }
    CHECK_CHILD_EXITS(pid, 0);
    CHECK(lseek(fd, 0, SEEK_CUR) == 4);
    CHECK(read(fd, buffer, 4) == 4);
    CHECK(memcmp(buffer, "4567", 4) == 0);

    /* The child's write lands at the shared offset and moves it; the child sees the parent's
     * lseek too. */
    CHECK(lseek(fd, 2, SEEK_SET) == 2);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK(lseek(fd, 0, SEEK_CUR) == 2);
        CHECK(write(fd, "ab", 2) == 2);
        _exit(0);
    }
    CHECK_CHILD_EXITS(pid, 0);
    CHECK(lseek(fd, 0, SEEK_CUR) == 4);
    CHECK(pread(fd, buffer, 10, 0) == 10);
    CHECK(memcmp(buffer, "01ab456789", 10) == 0);

    /* Status flags belong to the description: O_APPEND set by the child applies to the
     * parent. The fd flags (FD_CLOEXEC) and the table do not: the child's close and open
     * leave the parent's table alone. */
    CHECK(!(fcntl(fd, F_GETFL) & O_APPEND));
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK(fcntl(fd, F_SETFL, O_APPEND) == 0);
        CHECK(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0);
        CHECK(close(fd) == 0);
        int reopened = open(other_path, O_RDONLY);
        CHECK(reopened == fd); /* the lowest free number */
        _exit(0);
    }
    CHECK_CHILD_EXITS(pid, 0);
    CHECK(fcntl(fd, F_GETFL) & O_APPEND);
    CHECK(fcntl(fd, F_GETFD) == 0);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(write(fd, "Z", 1) == 1); /* appends */
    CHECK(lseek(fd, 0, SEEK_CUR) == 11);
    CHECK(fcntl(fd, F_SETFL, 0) == 0);
    /* A file opened by the child after fork is not in the parent's table. */
    int probe = dup(fd);
    CHECK(probe >= 0);
    CHECK(close(probe) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK(open(other_path, O_RDONLY) == probe);
        _exit(0);
    }
    CHECK_CHILD_EXITS(pid, 0);
    CHECK_ERRNO(fcntl(probe, F_GETFD), EBADF);

    /* dup shares the description (offset, status flags); a second open does not. */
    int duplicate = dup(fd);
    CHECK(duplicate >= 0);
    CHECK(lseek(fd, 3, SEEK_SET) == 3);
    CHECK(lseek(duplicate, 0, SEEK_CUR) == 3);
    CHECK(read(duplicate, buffer, 2) == 2);
    CHECK(lseek(fd, 0, SEEK_CUR) == 5);
    CHECK(fcntl(duplicate, F_SETFL, O_APPEND) == 0);
    CHECK(fcntl(fd, F_GETFL) & O_APPEND);
    CHECK(fcntl(fd, F_SETFL, 0) == 0);
    int second = open(path, O_RDWR);
    CHECK(second >= 0);
    CHECK(lseek(second, 0, SEEK_CUR) == 0);
    CHECK(!(fcntl(second, F_GETFL) & O_APPEND));
    CHECK(close(second) == 0);
    /* dup'd fds survive each other's close. */
    CHECK(close(fd) == 0);
    CHECK(lseek(duplicate, 0, SEEK_CUR) == 5);
    fd = duplicate;

    /* Threads share the table: an fd opened in one thread works in another; an fd closed in
     * one is gone in all; fd flags set in one are seen by all. */
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, open_in_thread, NULL) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(shared_fd >= 0);
    CHECK(read(shared_fd, buffer, 5) == 5);
    CHECK(memcmp(buffer, "other", 5) == 0);
    int closed_by_main = dup(shared_fd);
    CHECK(closed_by_main >= 0);
    CHECK(close(closed_by_main) == 0);
    CHECK(pthread_create(&thread, NULL, check_closed_in_thread, (void *)(intptr_t)closed_by_main) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK(fcntl(shared_fd, F_GETFD) == FD_CLOEXEC);
    CHECK(close(shared_fd) == 0);

    /* A CLONE_FILES process: what it opens stays open here after it exits; what it closes is
     * closed here. */
    int victim = dup(fd);
    CHECK(victim >= 0);
    pid = clone(open_and_close, stack + sizeof stack, CLONE_FILES | SIGCHLD, (void *)(intptr_t)victim);
    CHECK(pid > 0);
    int status = WAIT_FOR(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) < 100);
    int opened = WEXITSTATUS(status);
    CHECK(pread(opened, buffer, 5, 0) == 5);
    CHECK(memcmp(buffer, "other", 5) == 0);
    CHECK_ERRNO(fcntl(victim, F_GETFD), EBADF);
    CHECK(close(opened) == 0);
    /* Without CLONE_FILES the same child changes nothing here. */
    victim = dup(fd);
    CHECK(victim >= 0);
    pid = clone(open_and_close, stack + sizeof stack, SIGCHLD, (void *)(intptr_t)victim);
    CHECK(pid > 0);
    status = WAIT_FOR(pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) < 100);
    CHECK_ERRNO(fcntl(WEXITSTATUS(status), F_GETFD), EBADF);
    CHECK(fcntl(victim, F_GETFD) == 0);
    CHECK(close(victim) == 0);

    CHECK(close(fd) == 0);
    remove_scratch_directory(directory);
    return check_passed("fdshare");
}
