/* Bad user pointers make system calls fail with EFAULT instead of crashing anything. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    CHECK_ERRNO(write(1, (void *)1, 10), EFAULT);
    CHECK_ERRNO(write(2, (void *)-4096L, 10), EFAULT); /* kernel half of the address space */
    CHECK_ERRNO(open((char *)1, O_RDONLY), EFAULT);
    CHECK_ERRNO(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)8), EFAULT);
    CHECK_ERRNO(syscall(SYS_uname, (void *)8), EFAULT);

    /* read() into a read-only mapping. */
    char path[] = "/tmp/efault.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, "0123456789", 10) == 10);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    char *readonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(readonly != MAP_FAILED);
    CHECK_ERRNO(read(fd, readonly, 10), EFAULT);
    CHECK(readonly[0] == 0);
    /* The descriptor still works afterwards. */
    char buffer[10];
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(read(fd, buffer, 10) == 10);
    CHECK(memcmp(buffer, "0123456789", 10) == 0);
    CHECK(close(fd) == 0);
    CHECK(unlink(path) == 0);

    /* An unmapped page. */
    char *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(gone != MAP_FAILED);
    CHECK(munmap(gone, 4096) == 0);
    CHECK_ERRNO(write(1, gone, 10), EFAULT);

    return check_passed("efault");
}
