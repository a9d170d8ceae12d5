/* mincore(2): residency of anonymous, populated and file pages, and Linux's errors. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    unsigned char vector[8];

    /* Anonymous memory: a written page is resident, an untouched one is not. */
    char *anonymous = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(anonymous != MAP_FAILED);
    anonymous[page] = 1;
    anonymous[3 * page + 10] = 1;
    memset(vector, 0xff, sizeof vector);
    CHECK_OK(mincore(anonymous, 4 * page, vector));
    CHECK((vector[0] & 1) == 0);
    CHECK(vector[1] & 1);
    CHECK((vector[2] & 1) == 0);
    CHECK(vector[3] & 1);
    CHECK(vector[4] == 0xff);
    /* A length that is not a multiple of the page size counts the partial page. */
    memset(vector, 0xff, sizeof vector);
    CHECK_OK(mincore(anonymous, page + 1, vector));
    CHECK((vector[0] & 1) == 0 && (vector[1] & 1) && vector[2] == 0xff);
    CHECK(mincore(anonymous, 0, vector) == 0);

    /* MAP_POPULATE fills every page. */
    char *populated = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    CHECK(populated != MAP_FAILED);
    CHECK_OK(mincore(populated, 2 * page, vector));
    CHECK((vector[0] & 1) && (vector[1] & 1));

    /* A file's pages just written are in memory, whether or not the mapping touched them. */
    char directory[] = "/tmp/mincoreXXXXXX";
    CHECK(mkdtemp(directory) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/file", directory);
    int file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(file >= 0);
    char bytes[8192];
    memset(bytes, 'x', sizeof bytes);
    CHECK(write(file, bytes, 2 * page) == 2 * page);
    char *mapped = mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE, file, 0);
    CHECK(mapped != MAP_FAILED);
    CHECK_OK(mincore(mapped, 2 * page, vector));
    CHECK((vector[0] & 1) && (vector[1] & 1));
    char *shared = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, file, 0);
    CHECK(shared != MAP_FAILED);
    CHECK_OK(mincore(shared, 2 * page, vector));
    CHECK((vector[0] & 1) && (vector[1] & 1));

    /* Errors. */
    CHECK_ERRNO(mincore(anonymous + 1, page, vector), EINVAL);
    CHECK_OK(munmap(anonymous + 2 * page, page));
    CHECK_ERRNO(mincore(anonymous, 4 * page, vector), ENOMEM);
    CHECK_ERRNO(mincore(anonymous + 2 * page, page, vector), ENOMEM);
    CHECK_ERRNO(mincore((void *)0xffff800000000000ull, page, vector), ENOMEM);
    CHECK_ERRNO(mincore((void *)(0x800000000000ull - page), 2 * page, vector), ENOMEM);
    CHECK_ERRNO(mincore(anonymous, page, (unsigned char *)(anonymous + 2 * page)), EFAULT);
    CHECK_ERRNO(mincore(anonymous, page, (unsigned char *)0xffff800000000000ull), EFAULT);

    munmap(anonymous, 4 * page);
    munmap(populated, 2 * page);
    munmap(mapped, 2 * page);
    munmap(shared, 2 * page);
    close(file);
    unlink(path);
    rmdir(directory);
    return check_passed("mincore");
}
