/* The character devices every program expects (/dev/null, /dev/zero, /dev/urandom) and
 * the getrandom system call. */
#include "check.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* True when the buffer holds at least `minimum` distinct byte values. */
static int varied(const unsigned char *buffer, size_t size, int minimum)
{
    int seen[256] = { 0 }, distinct = 0;
    for (size_t i = 0; i < size; ++i)
        if (!seen[buffer[i]]++)
            ++distinct;
    return distinct >= minimum;
}

int main(void)
{
    unsigned char buffer[4096], other[4096];
    struct stat st;

    int fd = open("/dev/null", O_RDWR);
    CHECK(fd >= 0);
    CHECK(fstat(fd, &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    CHECK(write(fd, "discarded", 9) == 9);
    CHECK(write(fd, buffer, sizeof buffer) == (ssize_t)sizeof buffer);
    CHECK(read(fd, buffer, sizeof buffer) == 0);
    CHECK(close(fd) == 0);

    fd = open("/dev/zero", O_RDONLY);
    CHECK(fd >= 0);
    CHECK(fstat(fd, &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    memset(buffer, 0xa5, sizeof buffer);
    CHECK(read(fd, buffer, sizeof buffer) == (ssize_t)sizeof buffer);
    for (size_t i = 0; i < sizeof buffer; ++i)
        CHECK(buffer[i] == 0);
    CHECK(close(fd) == 0);

    fd = open("/dev/urandom", O_RDONLY);
    CHECK(fd >= 0);
    CHECK(fstat(fd, &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    memset(buffer, 0, sizeof buffer);
    memset(other, 0, sizeof other);
    CHECK(read(fd, buffer, 256) == 256);
    CHECK(read(fd, other, 256) == 256);
    CHECK(varied(buffer, 256, 64));
    CHECK(varied(other, 256, 64));
    CHECK(memcmp(buffer, other, 256) != 0);
    CHECK(close(fd) == 0);

    memset(buffer, 0, sizeof buffer);
    memset(other, 0, sizeof other);
    CHECK(getrandom(buffer, 256, 0) == 256);
    CHECK(getrandom(other, 256, GRND_NONBLOCK) == 256);
    CHECK(varied(buffer, 256, 64));
    CHECK(varied(other, 256, 64));
    CHECK(memcmp(buffer, other, 256) != 0);
    CHECK(getrandom(buffer, 0, 0) == 0);
    CHECK_ERRNO(getrandom(buffer, 16, 0x1000), EINVAL); /* unknown flag */

    return check_passed("devices");
}
