/* Assertion helpers shared by the guest test programs.
 *
 * Every program stops at the first failed check: it prints the file, line, the failed
 * expression and errno on stderr and exits with status 1. A program that reaches its end
 * prints "<name>: ok" on stdout and exits 0. */
#ifndef GUEST_CHECK_H
#define GUEST_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void check_failed(const char *file, int line, const char *what, int saved_errno)
{
    fprintf(stderr, "FAIL %s:%d: %s (errno %d: %s)\n", file, line, what, saved_errno, strerror(saved_errno));
    fflush(stderr);
    exit(1);
}

/* CHECK(condition): the condition must hold. */
#define CHECK(condition)                                                   \
    do {                                                                   \
        if (!(condition))                                                  \
            check_failed(__FILE__, __LINE__, #condition, errno);           \
    } while (0)

/* CHECK_OK(call): the call must not return -1. */
#define CHECK_OK(call)                                                     \
    do {                                                                   \
        errno = 0;                                                         \
        if ((long)(call) == -1L)                                           \
            check_failed(__FILE__, __LINE__, #call " != -1", errno);       \
    } while (0)

/* CHECK_ERRNO(call, code): the call must return -1 and set errno to code. */
#define CHECK_ERRNO(call, code)                                            \
    do {                                                                   \
        errno = 0;                                                         \
        long check_result_ = (long)(call);                                 \
        if (check_result_ != -1L || errno != (code)) {                     \
            fprintf(stderr, "FAIL %s:%d: %s returned %ld, errno %d (%s); expected -1 with %s\n", \
                __FILE__, __LINE__, #call, check_result_, errno, strerror(errno), #code); \
            fflush(stderr);                                                \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

static inline int check_passed(const char *name)
{
    printf("%s: ok\n", name);
    return 0;
}

#endif
