/* What the process learns about itself and the system: uname and getpid. */
#define _GNU_SOURCE
#include "check.h"

#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(void)
{
    struct utsname name;
    CHECK(uname(&name) == 0);
    CHECK(strcmp(name.sysname, "Linux") == 0);
    CHECK(strcmp(name.machine, "x86_64") == 0);
    CHECK(name.release[0] >= '1' && name.release[0] <= '9'); /* glibc-style version checks parse it */
    CHECK(strlen(name.nodename) > 0);

    pid_t pid = getpid();
    CHECK(pid > 0);
    CHECK(getpid() == pid);
    CHECK(getppid() >= 0);
    CHECK(syscall(SYS_gettid) == pid); /* single-threaded: the thread is the process */
    return check_passed("identity");
}
