/* No memory is lost across process lifetimes: after a warm-up, 500 sequential posix_spawn+wait
 * and two rounds of 64 concurrent forked children leave the free-memory count where it was.
 * unifork's count (sysinfo's freeram, the frame allocator's free frames) is exact, so the
 * allowance there is 1 MiB; on Linux free memory moves with caches and other processes, so
 * natively the check only bounds it loosely. */
#define _GNU_SOURCE
#include "check.h"

#include <spawn.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static unsigned long long free_bytes(void)
{
    struct sysinfo info;
    CHECK(sysinfo(&info) == 0);
    return (unsigned long long)info.freeram * info.mem_unit;
}

static void spawn_many(char *self, int count)
{
    char *argv[] = { self, "--exit", NULL };
    for (int i = 0; i < count; ++i) {
        pid_t pid;
        CHECK(posix_spawn(&pid, self, NULL, NULL, argv, environ) == 0);
        int status;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
}

static void fork_concurrently(int count)
{
    pid_t children[64];
    for (int i = 0; i < count; ++i) {
        children[i] = fork();
        CHECK(children[i] >= 0);
        if (children[i] == 0) {
            usleep(20000);
            _exit(i & 0x7f);
        }
    }
    for (int i = 0; i < count; ++i) {
        int status;
        CHECK(waitpid(children[i], &status, 0) == children[i]);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == (i & 0x7f));
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--exit"))
        return 0;
    struct utsname name;
    CHECK(uname(&name) == 0);
    int exact = strstr(name.release, "unifork") != NULL;

    spawn_many(argv[0], 20);
    fork_concurrently(64);
    unsigned long long before = free_bytes();
    spawn_many(argv[0], 500);
    fork_concurrently(64);
    fork_concurrently(64);
    unsigned long long after = free_bytes();
    unsigned long long allowance = exact ? (1ull << 20) : (256ull << 20);
    if (after + allowance < before)
        fprintf(stderr, "free memory went from %llu to %llu bytes\n", before, after);
    CHECK(after + allowance >= before);
    return check_passed("leak");
}
