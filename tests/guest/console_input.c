/* Standard input through the console, as from a pipe on Linux.
 *
 * console_input pattern N: stdin carries N bytes of run_guest_test.py's stdin_pattern(); they
 *   arrive complete and in order through reads of changing sizes, then end of input, twice.
 * console_input shared: stdin carries "first\nsecond\nthird\n". This process reads the first
 *   line a byte at a time, a spawned child the second, and this process the rest after poll
 *   says it is there: one stream shared by processes, nothing read ahead and lost.
 * console_input streams: none of the standard streams is a terminal (the runner gives pipes
 *   and /dev/null); terminal ioctls fail with ENOTTY and descriptor 1 is write-only.
 * console_input read-line EXPECTED: reads one line a byte at a time; exits 0 if it is
 *   EXPECTED. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "check.h"

extern char **environ;

static int pattern_byte(long index)
{
    return (int)((index * 131 + index / 251) % 256);
}

/* Reads one line, a byte at a time, into line (NUL-terminated, newline kept). */
static void read_line(char *line, size_t size)
{
    size_t length = 0;
    while (length + 1 < size) {
        char byte;
        ssize_t got = read(0, &byte, 1);
        CHECK(got == 1);
        line[length++] = byte;
        if (byte == '\n')
            break;
    }
    line[length] = '\0';
}

static void check_end_of_input(void)
{
    char byte;
    CHECK(read(0, &byte, 1) == 0);
    CHECK(read(0, &byte, 1) == 0);
}

static int pattern(long total)
{
    static char buffer[100000];
    size_t const sizes[] = { 1, 7, 4096, 100000, 333, 65536, 2 };
    long position = 0;
    for (int round = 0; position < total; ++round) {
        ssize_t got = read(0, buffer, sizes[round % (sizeof sizes / sizeof sizes[0])]);
        CHECK(got > 0);
        for (ssize_t i = 0; i < got; ++i, ++position)
            if ((unsigned char)buffer[i] != pattern_byte(position)) {
                fprintf(stderr, "byte %ld is %d, expected %d\n", position, (unsigned char)buffer[i], pattern_byte(position));
                CHECK(!"the input differs from the pattern");
            }
    }
    CHECK(position == total);
    check_end_of_input();
    return check_passed("console_input");
}

static int shared(char const *self)
{
    char line[64];
    read_line(line, sizeof line);
    CHECK(!strcmp(line, "first\n"));

    pid_t child;
    char *arguments[] = { (char *)self, "read-line", "second\n", NULL };
    CHECK(posix_spawn(&child, self, NULL, NULL, arguments, environ) == 0);
    int status = -1;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    struct pollfd input = { .fd = 0, .events = POLLIN };
    CHECK(poll(&input, 1, 10000) == 1);
    CHECK(input.revents & POLLIN);
    int waiting = -1;
    CHECK_OK(ioctl(0, FIONREAD, &waiting));
    CHECK(waiting > 0);
    /* What poll announced is there without waiting. */
    CHECK_OK(fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK));
    char rest[64];
    ssize_t got = read(0, rest, 1);
    CHECK(got == 1 && rest[0] == 't');
    CHECK_OK(fcntl(0, F_SETFL, fcntl(0, F_GETFL) & ~O_NONBLOCK));
    read_line(line, sizeof line);
    CHECK(!strcmp(line, "hird\n"));
    check_end_of_input();
    return check_passed("console_input");
}

static int streams(void)
{
    for (int fd = 0; fd <= 2; ++fd) {
        errno = 0;
        CHECK(!isatty(fd));
        CHECK(errno == ENOTTY);
        struct termios settings;
        CHECK_ERRNO(tcgetattr(fd, &settings), ENOTTY);
        struct winsize size;
        CHECK_ERRNO(ioctl(fd, TIOCGWINSZ, &size), ENOTTY);
    }
    CHECK((fcntl(1, F_GETFL) & O_ACCMODE) == O_WRONLY);
    CHECK_ERRNO(read(1, &(char) { 0 }, 1), EBADF);
    /* The runner's /dev/null: end of input at once. */
    check_end_of_input();
    return check_passed("console_input");
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "pattern"))
        return pattern(atol(argv[2]));
    if (argc == 2 && !strcmp(argv[1], "shared"))
        return shared(argv[0]);
    if (argc == 2 && !strcmp(argv[1], "streams"))
        return streams();
    if (argc == 3 && !strcmp(argv[1], "read-line")) {
        char line[64];
        read_line(line, sizeof line);
        return strcmp(line, argv[2]) ? 1 : 0;
    }
    fprintf(stderr, "usage: console_input pattern N | shared | streams | read-line EXPECTED\n");
    return 2;
}
