/* 1000 posix_spawn + waitpid of a trivial program (this one, exiting at once with a code
 * that differs from one spawn to the next), one after another. No process may be left
 * behind, and every status must be the one its child exited with. */
#define _GNU_SOURCE
#include "proc.h"

#include <spawn.h>

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "exit"))
        return (int)parse_number(argv[2]);
    char *environment[] = { NULL };
    char code[16];
    char *child_argv[] = { argv[0], "exit", code, NULL };
    for (int i = 0; i < 1000; ++i) {
        snprintf(code, sizeof code, "%d", i % 251);
        pid_t pid = 0;
        int error = posix_spawn(&pid, argv[0], NULL, NULL, child_argv, environment);
        if (error) {
            errno = error;
            fprintf(stderr, "posix_spawn number %d failed\n", i);
            CHECK(error == 0);
        }
        CHECK(pid > 0);
        CHECK_CHILD_EXITS(pid, i % 251);
    }
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    return check_passed("stress_spawn");
}
