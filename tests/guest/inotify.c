/* inotify: inotify_init and inotify_init1 (IN_CLOEXEC, IN_NONBLOCK, bad flags), the errors of
 * inotify_add_watch and inotify_rm_watch, a directory watch seeing its entries by name (create,
 * open, write, read, close, mkdir, rename with one cookie, symlink, link, unlink, rmdir), a
 * file's own events (IN_ATTRIB from chmod and utimes, IN_MODIFY from truncate, IN_MOVE_SELF,
 * IN_DELETE_SELF and IN_IGNORED), one watch descriptor per inode, IN_MASK_ADD, IN_MASK_CREATE,
 * IN_ONESHOT, IN_DONT_FOLLOW, IN_ONLYDIR, IN_EXCL_UNLINK, coalescing, record padding, EINVAL for
 * a short buffer, FIONREAD, poll, select and epoll readiness, and IN_Q_OVERFLOW. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static char scratch[64];
static char path_buffer[4][128];

static const char *in_scratch(int slot, const char *name)
{
    snprintf(path_buffer[slot], sizeof path_buffer[slot], "%s/%s", scratch, name);
    return path_buffer[slot];
}

struct event {
    int wd;
    uint32_t mask;
    uint32_t cookie;
    uint32_t len;
    char name[64];
};

static struct event events[64];

/* Reads what is queued (non-blocking descriptor) into events[]; returns how many. */
static int read_events(int fd)
{
    static char buffer[8192] __attribute__((aligned(8)));
    ssize_t size = read(fd, buffer, sizeof buffer);
    if (size < 0) {
        CHECK(errno == EAGAIN);
        return 0;
    }
    int count = 0;
    for (ssize_t offset = 0; offset < size; ++count) {
        struct inotify_event *event = (struct inotify_event *)(buffer + offset);
        CHECK(count < 64);
        CHECK(event->len % 16 == 0);
        events[count].wd = event->wd;
        events[count].mask = event->mask;
        events[count].cookie = event->cookie;
        events[count].len = event->len;
        snprintf(events[count].name, sizeof events[count].name, "%s", event->len ? event->name : "");
        offset += sizeof(struct inotify_event) + event->len;
        CHECK(offset <= size);
    }
    return count;
}

static void expect(int index, int wd, uint32_t mask, const char *name)
{
    if (events[index].wd != wd || events[index].mask != mask || strcmp(events[index].name, name) != 0) {
        fprintf(stderr, "event %d: wd %d mask %#x name '%s', expected wd %d mask %#x name '%s'\n", index, events[index].wd,
            events[index].mask, events[index].name, wd, mask, name);
        CHECK(0);
    }
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK_OK(fd);
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    CHECK_OK(close(fd));
}

static void test_init(void)
{
    int fd = inotify_init();
    CHECK_OK(fd);
    CHECK(fcntl(fd, F_GETFD) == 0);
    CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
    CHECK_OK(close(fd));
    fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    CHECK_OK(fd);
    CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    char buffer[256];
    CHECK_ERRNO(read(fd, buffer, sizeof buffer), EAGAIN);
    int available = -1;
    CHECK_OK(ioctl(fd, FIONREAD, &available));
    CHECK(available == 0);
    CHECK_OK(close(fd));
    CHECK_ERRNO(inotify_init1(0x1234), EINVAL);
}

static void test_errors(void)
{
    int fd = inotify_init1(IN_NONBLOCK);
    CHECK_OK(fd);
    write_file(in_scratch(0, "file"), "x");
    CHECK_ERRNO(inotify_add_watch(-1, scratch, IN_ALL_EVENTS), EBADF);
    CHECK_ERRNO(inotify_add_watch(99, scratch, IN_ALL_EVENTS), EBADF);
    int pipe_ends[2];
    CHECK_OK(pipe(pipe_ends));
    CHECK_ERRNO(inotify_add_watch(pipe_ends[0], scratch, IN_ALL_EVENTS), EINVAL);
    CHECK_ERRNO(inotify_rm_watch(pipe_ends[0], 1), EINVAL);
    CHECK_OK(close(pipe_ends[0]));
    CHECK_OK(close(pipe_ends[1]));
    CHECK_ERRNO(inotify_add_watch(fd, scratch, 0), EINVAL);
    CHECK_ERRNO(inotify_add_watch(fd, scratch, IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE), EINVAL);
    CHECK_ERRNO(inotify_add_watch(fd, in_scratch(1, "missing"), IN_ALL_EVENTS), ENOENT);
    CHECK_ERRNO(inotify_add_watch(fd, in_scratch(0, "file"), IN_ALL_EVENTS | IN_ONLYDIR), ENOTDIR);
    CHECK_ERRNO(inotify_rm_watch(fd, 12345), EINVAL);
    CHECK_ERRNO(inotify_rm_watch(-1, 1), EBADF);
    if (geteuid() != 0) {
        CHECK_OK(chmod(in_scratch(0, "file"), 0));
        CHECK_ERRNO(inotify_add_watch(fd, in_scratch(0, "file"), IN_ALL_EVENTS), EACCES);
        CHECK_OK(chmod(in_scratch(0, "file"), 0644));
    }
    int wd = inotify_add_watch(fd, in_scratch(0, "file"), IN_MODIFY);
    CHECK(wd > 0);
    CHECK_ERRNO(inotify_add_watch(fd, in_scratch(0, "file"), IN_ATTRIB | IN_MASK_CREATE), EEXIST);
    CHECK_OK(close(fd));
    CHECK_OK(unlink(in_scratch(0, "file")));
}

static void test_directory(void)
{
    int fd = inotify_init1(IN_NONBLOCK);
    CHECK_OK(fd);
    int wd = inotify_add_watch(fd, scratch, IN_ALL_EVENTS);
    CHECK(wd > 0);
    CHECK(inotify_add_watch(fd, scratch, IN_ALL_EVENTS) == wd);

    int file = open(in_scratch(0, "f"), O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK_OK(file);
    CHECK(write(file, "ab", 2) == 2);
    CHECK(write(file, "cd", 2) == 2); /* coalesced with the first IN_MODIFY */
    CHECK_OK(close(file));
    int available = -1;
    CHECK_OK(ioctl(fd, FIONREAD, &available));
    CHECK(available == 4 * 32);
    /* A buffer too small for the first record. */
    char small[sizeof(struct inotify_event) + 15];
    CHECK_ERRNO(read(fd, small, sizeof small), EINVAL);
    CHECK(read_events(fd) == 4);
    expect(0, wd, IN_CREATE, "f");
    expect(1, wd, IN_OPEN, "f");
    expect(2, wd, IN_MODIFY, "f");
    expect(3, wd, IN_CLOSE_WRITE, "f");
    CHECK(events[0].len == 16);

    file = open(in_scratch(0, "f"), O_RDONLY);
    CHECK_OK(file);
    char buffer[8];
    CHECK(read(file, buffer, sizeof buffer) == 4);
    CHECK(read(file, buffer, sizeof buffer) == 0); /* end of file: no event */
    CHECK_OK(close(file));
    CHECK(read_events(fd) == 3);
    expect(0, wd, IN_OPEN, "f");
    expect(1, wd, IN_ACCESS, "f");
    expect(2, wd, IN_CLOSE_NOWRITE, "f");

    CHECK_OK(mkdir(in_scratch(0, "sub"), 0755));
    CHECK_OK(rename(in_scratch(0, "f"), in_scratch(1, "a-much-longer-name-than-sixteen")));
    CHECK_OK(symlink("target", in_scratch(0, "link")));
    CHECK_OK(link(in_scratch(1, "a-much-longer-name-than-sixteen"), in_scratch(0, "hard")));
    CHECK_OK(unlink(in_scratch(0, "hard")));
    CHECK_OK(unlink(in_scratch(0, "link")));
    CHECK_OK(rmdir(in_scratch(0, "sub")));
    CHECK(read_events(fd) == 8);
    expect(0, wd, IN_CREATE | IN_ISDIR, "sub");
    expect(1, wd, IN_MOVED_FROM, "f");
    expect(2, wd, IN_MOVED_TO, "a-much-longer-name-than-sixteen");
    CHECK(events[1].cookie != 0 && events[1].cookie == events[2].cookie);
    CHECK(events[2].len == 32);
    expect(3, wd, IN_CREATE, "link");
    expect(4, wd, IN_CREATE, "hard");
    expect(5, wd, IN_DELETE, "hard");
    expect(6, wd, IN_DELETE, "link");
    expect(7, wd, IN_DELETE | IN_ISDIR, "sub");

    /* IN_EXCL_UNLINK: nothing more from an unlinked entry's open descriptor. */
    CHECK(inotify_add_watch(fd, scratch, IN_MODIFY | IN_DELETE | IN_EXCL_UNLINK) == wd);
    file = open(in_scratch(0, "a-much-longer-name-than-sixteen"), O_WRONLY);
    CHECK_OK(file);
    CHECK_OK(unlink(in_scratch(0, "a-much-longer-name-than-sixteen")));
    CHECK(write(file, "x", 1) == 1);
    CHECK_OK(close(file));
    CHECK(read_events(fd) == 1);
    expect(0, wd, IN_DELETE, "a-much-longer-name-than-sixteen");

    CHECK_OK(inotify_rm_watch(fd, wd));
    CHECK(read_events(fd) == 1);
    expect(0, wd, IN_IGNORED, "");
    CHECK_ERRNO(inotify_rm_watch(fd, wd), EINVAL);
    CHECK_OK(close(fd));
}

static void test_file(void)
{
    int fd = inotify_init1(IN_NONBLOCK);
    CHECK_OK(fd);
    write_file(in_scratch(0, "g"), "hello");
    int wd = inotify_add_watch(fd, in_scratch(0, "g"), IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF);
    CHECK(wd > 0);
    CHECK(inotify_add_watch(fd, in_scratch(0, "g"), IN_MODIFY | IN_MASK_ADD) == wd);
    CHECK_OK(chmod(in_scratch(0, "g"), 0600));
    CHECK(read_events(fd) == 1);
    expect(0, wd, IN_ATTRIB, "");
    CHECK_OK(utimes(in_scratch(0, "g"), NULL));
    CHECK(read_events(fd) == 1);
    expect(0, wd, IN_ATTRIB, "");
    CHECK_OK(truncate(in_scratch(0, "g"), 2));
    CHECK_OK(rename(in_scratch(0, "g"), in_scratch(1, "h")));
    CHECK(read_events(fd) == 2);
    expect(0, wd, IN_MODIFY, "");
    expect(1, wd, IN_MOVE_SELF, "");

    /* IN_DONT_FOLLOW watches the symlink itself; following it reaches the same watch. */
    CHECK_OK(symlink("h", in_scratch(2, "s")));
    CHECK(inotify_add_watch(fd, in_scratch(2, "s"), IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF | IN_MODIFY) == wd);
    int link_wd = inotify_add_watch(fd, in_scratch(2, "s"), IN_DELETE_SELF | IN_DONT_FOLLOW);
    CHECK(link_wd > 0 && link_wd != wd);
    CHECK_OK(unlink(in_scratch(2, "s")));
    CHECK(read_events(fd) == 2);
    expect(0, link_wd, IN_DELETE_SELF, "");
    expect(1, link_wd, IN_IGNORED, "");

    CHECK_OK(unlink(in_scratch(1, "h")));
    CHECK(read_events(fd) == 3);
    expect(0, wd, IN_ATTRIB, "");
    expect(1, wd, IN_DELETE_SELF, "");
    expect(2, wd, IN_IGNORED, "");

    /* IN_ONESHOT: one event, then the watch is gone. */
    CHECK_OK(mkdir(in_scratch(0, "d"), 0755));
    int dir_wd = inotify_add_watch(fd, in_scratch(0, "d"), IN_CREATE | IN_ONESHOT | IN_ONLYDIR);
    CHECK(dir_wd > wd);
    write_file(in_scratch(1, "d/x"), "");
    write_file(in_scratch(1, "d/y"), "");
    CHECK(read_events(fd) == 2);
    expect(0, dir_wd, IN_CREATE, "x");
    expect(1, dir_wd, IN_IGNORED, "");
    CHECK_ERRNO(inotify_rm_watch(fd, dir_wd), EINVAL);

    /* A watched directory removed: IN_DELETE_SELF, IN_IGNORED. */
    dir_wd = inotify_add_watch(fd, in_scratch(0, "d"), IN_DELETE_SELF | IN_DELETE);
    CHECK_OK(unlink(in_scratch(1, "d/x")));
    CHECK_OK(unlink(in_scratch(1, "d/y")));
    CHECK_OK(rmdir(in_scratch(0, "d")));
    CHECK(read_events(fd) == 4);
    expect(0, dir_wd, IN_DELETE, "x");
    expect(1, dir_wd, IN_DELETE, "y");
    expect(2, dir_wd, IN_DELETE_SELF, "");
    expect(3, dir_wd, IN_IGNORED, "");
    CHECK_OK(close(fd));
}

static void test_readiness(void)
{
    int fd = inotify_init1(IN_NONBLOCK);
    CHECK_OK(fd);
    write_file(in_scratch(0, "r"), "");
    int wd = inotify_add_watch(fd, in_scratch(0, "r"), IN_OPEN);
    CHECK(wd > 0);
    int epoll = epoll_create1(0);
    CHECK_OK(epoll);
    struct epoll_event event = { .events = EPOLLIN, .data.u32 = 7 };
    CHECK_OK(epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event));
    CHECK(epoll_wait(epoll, &event, 1, 0) == 0);
    struct pollfd poller = { .fd = fd, .events = POLLIN | POLLOUT };
    CHECK(poll(&poller, 1, 0) == 0);

    int file = open(in_scratch(0, "r"), O_RDONLY);
    CHECK_OK(file);
    CHECK_OK(close(file));
    CHECK(poll(&poller, 1, 0) == 1 && poller.revents == POLLIN);
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(fd, &readable);
    struct timeval zero = { 0, 0 };
    CHECK(select(fd + 1, &readable, NULL, NULL, &zero) == 1 && FD_ISSET(fd, &readable));
    CHECK(epoll_wait(epoll, &event, 1, 0) == 1 && event.events == EPOLLIN && event.data.u32 == 7);
    CHECK(read_events(fd) == 1);
    expect(0, wd, IN_OPEN, "");
    CHECK(poll(&poller, 1, 0) == 0);
    CHECK_OK(close(epoll));

    /* A blocking read of a queued event returns at once. */
    int blocking = inotify_init();
    CHECK_OK(blocking);
    wd = inotify_add_watch(blocking, in_scratch(0, "r"), IN_OPEN);
    file = open(in_scratch(0, "r"), O_RDONLY);
    CHECK_OK(close(file));
    char buffer[64];
    CHECK(read(blocking, buffer, sizeof buffer) == (ssize_t)sizeof(struct inotify_event));
    CHECK_OK(close(blocking));
    CHECK_OK(close(fd));
    CHECK_OK(unlink(in_scratch(0, "r")));
}

static void test_overflow(void)
{
    int limit = 16384;
    FILE *file = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
    if (file) {
        CHECK(fscanf(file, "%d", &limit) == 1);
        fclose(file);
    }
    int fd = inotify_init1(IN_NONBLOCK);
    CHECK_OK(fd);
    int data = open(in_scratch(0, "o"), O_RDWR | O_CREAT, 0644);
    CHECK_OK(data);
    int wd = inotify_add_watch(fd, in_scratch(0, "o"), IN_MODIFY | IN_ACCESS);
    char byte = 'x';
    /* Alternating events, so that none coalesce. */
    for (int index = 0; index < limit + 10; ++index) {
        if (index % 2 == 0)
            CHECK(pwrite(data, &byte, 1, 0) == 1);
        else
            CHECK(pread(data, &byte, 1, 0) == 1);
    }
    int available = 0;
    CHECK_OK(ioctl(fd, FIONREAD, &available));
    CHECK(available == (limit + 1) * (int)sizeof(struct inotify_event));
    static struct inotify_event records[512];
    int total = 0;
    struct inotify_event last = { 0 };
    for (;;) {
        ssize_t size = read(fd, records, sizeof records);
        if (size < 0) {
            CHECK(errno == EAGAIN);
            break;
        }
        int count = (int)(size / (ssize_t)sizeof(struct inotify_event));
        for (int index = 0; index < count; ++index) {
            if (total + index < limit)
                CHECK(records[index].wd == wd);
        }
        last = records[count - 1];
        total += count;
    }
    CHECK(total == limit + 1);
    CHECK(last.wd == -1 && last.mask == IN_Q_OVERFLOW && last.len == 0);
    CHECK_OK(close(data));
    CHECK_OK(close(fd));
    CHECK_OK(unlink(in_scratch(0, "o")));
}

int main(void)
{
    snprintf(scratch, sizeof scratch, "/tmp/inotify-XXXXXX");
    CHECK(mkdtemp(scratch) != NULL);
    test_init();
    test_errors();
    test_directory();
    test_file();
    test_readiness();
    test_overflow();
    CHECK_OK(rmdir(scratch));
    printf("inotify: ok\n");
    return 0;
}
