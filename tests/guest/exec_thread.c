/* execve from a thread that is not the main one: every other thread goes away (the main
 * thread, blocked in pthread_join, included) and the new image runs as the only thread, with
 * the process's pid, which is also its tid; the parent is unchanged. This program execs
 * itself: `exec_thread` starts the threads, `exec_thread after PID PPID` checks and prints. */
#define _GNU_SOURCE
#include "proc.h"

#include <pthread.h>

static char *self;

static void *blocked(void *arg)
{
    (void)arg;
    for (;;)
        sleep_ms(1000);
    return NULL;
}

static void *exec_from_thread(void *arg)
{
    (void)arg;
    CHECK(gettid() != getpid());
    char pid[32], ppid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    snprintf(ppid, sizeof ppid, "%d", (int)getppid());
    execve(self, (char *[]){ self, "after", pid, ppid, NULL }, (char *[]){ NULL });
    CHECK(!"execve failed");
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "after")) {
        CHECK(getpid() == parse_number(argv[2]));
        CHECK(gettid() == getpid());
        CHECK(getppid() == parse_number(argv[3]));
        return check_passed("exec_thread");
    }
    CHECK(argc == 1);
    self = argv[0];
    pthread_t sleeper, execer;
    CHECK(pthread_create(&sleeper, NULL, blocked, NULL) == 0);
    CHECK(pthread_create(&execer, NULL, exec_from_thread, NULL) == 0);
    pthread_join(sleeper, NULL);
    fprintf(stderr, "exec_thread: pthread_join returned\n");
    return 1;
}
