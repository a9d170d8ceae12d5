/* Helpers shared by the process and thread tests: clocks and sleeping, waiting for a child
 * with a checked status, scratch directories, and a small language of checks that a program
 * re-executed as `SELF --checks CHECK...` runs on itself (so a parent can assert what a child
 * sees after fork, exec or posix_spawn through the child's exit status).
 *
 * Everything here fails like check.h: a message on stderr, then exit status 1. */
#ifndef GUEST_PROC_H
#define GUEST_PROC_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* <linux/futex.h>, which musl-gcc does not see. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffff

static inline long futex(void *address, int op, int value, const struct timespec *timeout, void *address2, int value3)
{
    return syscall(SYS_futex, address, op, value, timeout, address2, value3);
}

static inline long long monotonic_ns(void)
{
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        check_failed(__FILE__, __LINE__, "clock_gettime(CLOCK_MONOTONIC)", errno);
    return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

/* Sleeps at least ms milliseconds, resuming after EINTR. */
static inline void sleep_ms(long ms)
{
    struct timespec request = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L }, rest;
    while (nanosleep(&request, &rest) != 0) {
        if (errno != EINTR)
            check_failed(__FILE__, __LINE__, "nanosleep", errno);
        request = rest;
    }
}

/* Polls (every millisecond) until condition holds; a check fails after timeout_ms. Only for
 * waits that must end: the timeout turns a hang into a failure, it is not a performance bound. */
#define WAIT_UNTIL(condition, timeout_ms)                                                   \
    do {                                                                                    \
        long long wait_deadline_ = monotonic_ns() + (long long)(timeout_ms) * 1000000LL;    \
        while (!(condition)) {                                                              \
            if (monotonic_ns() > wait_deadline_)                                            \
                check_failed(__FILE__, __LINE__, "timed out waiting until " #condition, 0); \
            sleep_ms(1);                                                                    \
        }                                                                                   \
    } while (0)

static inline const char *describe_status(int status, char *buffer, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buffer, size, "exited with %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buffer, size, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(buffer, size, "raw status 0x%x", status);
    return buffer;
}

/* waitpid(pid, &status, 0), which must return pid; returns the status. */
static inline int wait_for(pid_t pid, const char *file, int line)
{
    int status = 0;
    pid_t got;
    do
        got = waitpid(pid, &status, 0);
    while (got == -1 && errno == EINTR);
    if (got != pid) {
        char what[96];
        snprintf(what, sizeof what, "waitpid(%d) returned %d", (int)pid, (int)got);
        check_failed(file, line, what, errno);
    }
    return status;
}
#define WAIT_FOR(pid) wait_for((pid), __FILE__, __LINE__)

static inline void check_status(int status, int exited, int code, const char *what, const char *file, int line)
{
    int ok = exited ? WIFEXITED(status) && WEXITSTATUS(status) == code : WIFSIGNALED(status) && WTERMSIG(status) == code;
    if (!ok) {
        char described[64];
        fprintf(stderr, "FAIL %s:%d: %s: %s, expected %s %d\n", file, line, what,
            describe_status(status, described, sizeof described), exited ? "exit status" : "signal", code);
        fflush(stderr);
        exit(1);
    }
}
/* The status must be a normal exit with code / death by signal. */
#define CHECK_EXITED(status, code) check_status((status), 1, (code), #status, __FILE__, __LINE__)
#define CHECK_SIGNALED(status, signal) check_status((status), 0, (signal), #status, __FILE__, __LINE__)
/* Waits for pid, which must exit with code. */
#define CHECK_CHILD_EXITS(pid, code) check_status(WAIT_FOR(pid), 1, (code), "child " #pid, __FILE__, __LINE__)

/* A fresh directory /tmp/NAME.XXXXXX in buffer (at least 64 bytes). */
static inline void make_scratch_directory(char *buffer, size_t size, const char *name)
{
    snprintf(buffer, size, "/tmp/%s.XXXXXX", name);
    if (!mkdtemp(buffer))
        check_failed(__FILE__, __LINE__, "mkdtemp", errno);
}

/* Removes the directory and the files (not subdirectories) in it. */
static inline void remove_scratch_directory(const char *path)
{
    DIR *directory = opendir(path);
    if (!directory)
        check_failed(__FILE__, __LINE__, "opendir(scratch)", errno);
    struct dirent *entry;
    char child[512];
    while ((entry = readdir(directory))) {
        if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
            continue;
        snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
        if (unlink(child) != 0 && rmdir(child) != 0)
            check_failed(__FILE__, __LINE__, child, errno);
    }
    closedir(directory);
    if (rmdir(path) != 0)
        check_failed(__FILE__, __LINE__, "rmdir(scratch)", errno);
}

static inline void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        check_failed(__FILE__, __LINE__, path, errno);
    size_t length = strlen(text);
    if (write(fd, text, length) != (ssize_t)length)
        check_failed(__FILE__, __LINE__, "write_file", errno);
    if (close(fd) != 0 || chmod(path, mode) != 0)
        check_failed(__FILE__, __LINE__, "write_file", errno);
}

/* The whole file as a string in buffer; returns its length. */
static inline size_t read_file(const char *path, char *buffer, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        check_failed(__FILE__, __LINE__, path, errno);
    size_t length = 0;
    ssize_t got;
    while (length + 1 < size && (got = read(fd, buffer + length, size - 1 - length)) > 0)
        length += (size_t)got;
    buffer[length] = '\0';
    close(fd);
    return length;
}

static inline int file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Anonymous shared memory, visible to every process forked after this call. */
static inline void *shared_memory(size_t size)
{
    void *memory = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED)
        check_failed(__FILE__, __LINE__, "mmap(MAP_SHARED|MAP_ANONYMOUS)", errno);
    return memory;
}

static inline long long parse_number(const char *text)
{
    char *end;
    errno = 0;
    long long value = strtoll(text, &end, 0);
    if (errno || end == text || *end != '\0') {
        fprintf(stderr, "FAIL: bad number '%s' in a check\n", text);
        exit(2);
    }
    return value;
}

/* SELF --checks CHECK...: each CHECK is one of
 *   exit:N                 exit with N after the checks before it passed (default 0)
 *   pid:N ppid:N           getpid() / getppid() is N
 *   pgid-is-pid sid-is-pid getpgrp() / getsid(0) is getpid()
 *   pgid:N                 getpgrp() is N
 *   tid-is-pid             gettid() is getpid()
 *   open:FD closed:FD      fcntl(FD, F_GETFD) succeeds / fails with EBADF
 *   cloexec:FD keep:FD     FD is open with / without FD_CLOEXEC
 *   offset:FD:N            FD's file offset is N
 *   write:FD:TEXT          write TEXT to FD, all of it
 *   blocked:SIG unblocked:SIG  SIG is / is not in the signal mask
 *   default:SIG ignored:SIG    SIG's disposition is SIG_DFL / SIG_IGN
 *   env:NAME=VALUE noenv:NAME  getenv(NAME) is VALUE / is unset
 *   unmapped:ADDRESS       the page at ADDRESS is not mapped (mprotect fails with ENOMEM)
 *   sleep:MS               sleep MS milliseconds
 *   await:PATH             wait until PATH exists (fails after 20 s) */
static inline void check_argument_failed(const char *argument, int line, const char *what, int saved_errno)
{
    fprintf(stderr, "FAIL proc.h:%d: check '%s' in the child: %s (errno %d: %s)\n", line, argument, what, saved_errno,
        strerror(saved_errno));
    fflush(stderr);
    exit(1);
}

static inline int run_checks(int argc, char **argv)
{
    char argument[256];
/* Like CHECK and CHECK_ERRNO, naming the argument being checked. */
#define CHECK_ARGUMENT(condition)                                                      \
    do {                                                                               \
        errno = 0;                                                                     \
        if (!(condition))                                                              \
            check_argument_failed(argument, __LINE__, #condition, errno);              \
    } while (0)
#define CHECK_ARGUMENT_ERRNO(call, code)                                               \
    do {                                                                               \
        errno = 0;                                                                     \
        long result_ = (long)(call);                                                   \
        if (result_ != -1L || errno != (code))                                         \
            check_argument_failed(argument, __LINE__, #call " != -1 with " #code, errno); \
    } while (0)
    for (int i = 2; i < argc; ++i) {
        snprintf(argument, sizeof argument, "%s", argv[i]);
        char *check = argv[i];
        char *value = strchr(check, ':');
        if (value)
            *value++ = '\0';
        else
            value = "";
        char *second = strchr(value, ':');
        if (second)
            *second++ = '\0';
        struct sigaction action;
        sigset_t mask;
        if (!strcmp(check, "exit")) {
            return (int)parse_number(value);
        } else if (!strcmp(check, "pid")) {
            CHECK_ARGUMENT(getpid() == parse_number(value));
        } else if (!strcmp(check, "ppid")) {
            CHECK_ARGUMENT(getppid() == parse_number(value));
        } else if (!strcmp(check, "pgid-is-pid")) {
            CHECK_ARGUMENT(getpgrp() == getpid());
        } else if (!strcmp(check, "sid-is-pid")) {
            CHECK_ARGUMENT(getsid(0) == getpid());
        } else if (!strcmp(check, "pgid")) {
            CHECK_ARGUMENT(getpgrp() == parse_number(value));
        } else if (!strcmp(check, "tid-is-pid")) {
            CHECK_ARGUMENT(gettid() == getpid());
        } else if (!strcmp(check, "open")) {
            CHECK_ARGUMENT(fcntl((int)parse_number(value), F_GETFD) != -1);
        } else if (!strcmp(check, "closed")) {
            CHECK_ARGUMENT_ERRNO(fcntl((int)parse_number(value), F_GETFD), EBADF);
        } else if (!strcmp(check, "cloexec")) {
            CHECK_ARGUMENT(fcntl((int)parse_number(value), F_GETFD) == FD_CLOEXEC);
        } else if (!strcmp(check, "keep")) {
            CHECK_ARGUMENT(fcntl((int)parse_number(value), F_GETFD) == 0);
        } else if (!strcmp(check, "offset")) {
            CHECK_ARGUMENT(second != NULL);
            CHECK_ARGUMENT(lseek((int)parse_number(value), 0, SEEK_CUR) == parse_number(second));
        } else if (!strcmp(check, "write")) {
            CHECK_ARGUMENT(second != NULL);
            CHECK_ARGUMENT(write((int)parse_number(value), second, strlen(second)) == (ssize_t)strlen(second));
        } else if (!strcmp(check, "blocked") || !strcmp(check, "unblocked")) {
            CHECK_ARGUMENT(sigprocmask(SIG_BLOCK, NULL, &mask) == 0);
            CHECK_ARGUMENT(sigismember(&mask, (int)parse_number(value)) == (check[0] == 'b'));
        } else if (!strcmp(check, "default")) {
            CHECK_ARGUMENT(sigaction((int)parse_number(value), NULL, &action) == 0);
            CHECK_ARGUMENT(action.sa_handler == SIG_DFL);
        } else if (!strcmp(check, "ignored")) {
            CHECK_ARGUMENT(sigaction((int)parse_number(value), NULL, &action) == 0);
            CHECK_ARGUMENT(action.sa_handler == SIG_IGN);
        } else if (!strcmp(check, "env")) {
            char *equals = strchr(value, '=');
            CHECK_ARGUMENT(equals != NULL);
            *equals = '\0';
            const char *actual = getenv(value);
            CHECK_ARGUMENT(actual != NULL);
            CHECK_ARGUMENT(strcmp(actual, equals + 1) == 0);
        } else if (!strcmp(check, "noenv")) {
            CHECK_ARGUMENT(getenv(value) == NULL);
        } else if (!strcmp(check, "unmapped")) {
            CHECK_ARGUMENT_ERRNO(syscall(SYS_mprotect, (uintptr_t)parse_number(value), 4096, PROT_READ), ENOMEM);
        } else if (!strcmp(check, "sleep")) {
            sleep_ms((long)parse_number(value));
        } else if (!strcmp(check, "await")) {
            WAIT_UNTIL(file_exists(value), 20000);
        } else {
            fprintf(stderr, "FAIL: unknown check '%s'\n", check);
            return 2;
        }
    }
    return 0;
#undef CHECK_ARGUMENT
#undef CHECK_ARGUMENT_ERRNO
}

/* In main(): `if (IS_CHECKS_MODE(argc, argv)) return run_checks(argc, argv);` */
#define IS_CHECKS_MODE(argc, argv) ((argc) >= 2 && strcmp((argv)[1], "--checks") == 0)

#endif
