/* Shared file mappings: POSIX shared memory (shm_open in /dev/shm) and memfd_create mapped
 * MAP_SHARED see the same bytes as read(2), write(2), other mappings of the file and a forked
 * child; the contents outlive the mappings; msync and mlock check their arguments as Linux. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static void check_coherent(int fd, size_t size)
{
    char *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(map != MAP_FAILED);
    /* Never written: zeros. */
    CHECK(map[0] == 0 && map[size - 1] == 0);
    /* Mapping to file. */
    strcpy(map + 100, "through the mapping");
    char text[32] = { 0 };
    CHECK(pread(fd, text, 19, 100) == 19);
    CHECK(!strcmp(text, "through the mapping"));
    /* File to mapping, on the second page too. */
    CHECK(pwrite(fd, "through write", 13, 4096 + 7) == 13);
    CHECK(!memcmp(map + 4096 + 7, "through write", 13));
    /* A second mapping of the same file is the same memory; so is a read-only one. */
    char *again = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(again != MAP_FAILED && again != map);
    again[5] = 'x';
    CHECK(map[5] == 'x');
    char const *reader = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(reader != MAP_FAILED);
    map[6] = 'y';
    CHECK(reader[6] == 'y');
    /* A private mapping stays apart from later writes through its own copy. */
    char *private = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(private != MAP_FAILED);
    CHECK(private[5] == 'x');
    private[5] = 'p';
    CHECK(map[5] == 'x');

    /* A forked child writes through the inherited mapping. */
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        strcpy(map + 2000, "from the child");
        _exit(0);
    }
    int status = -1;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(!strcmp(map + 2000, "from the child"));
    CHECK(pread(fd, text, 14, 2000) == 14 && !memcmp(text, "from the child", 14));

    /* msync and mlock: nothing to do, but Linux's argument checks. */
    CHECK_OK(msync(map, size, MS_SYNC));
    CHECK_OK(msync(map, size, MS_ASYNC | MS_INVALIDATE));
    CHECK_ERRNO(msync(map, size, MS_SYNC | MS_ASYNC), EINVAL);
    CHECK_ERRNO(msync(map + 1, size, MS_SYNC), EINVAL);
    CHECK_OK(mlock(map, 4096));
    CHECK_OK(munlock(map, 4096));

    CHECK_OK(munmap(map, size));
    CHECK_OK(munmap(again, size));
    CHECK_OK(munmap((void *)reader, size));
    CHECK_OK(munmap(private, size));
    CHECK_ERRNO(msync(map, size, MS_SYNC), ENOMEM);
}

int main(void)
{
    const size_t size = 8192;
    char name[64];
    snprintf(name, sizeof name, "/unifork-shm-%d", (int)getpid());
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    CHECK(fd >= 0);
    CHECK_OK(ftruncate(fd, size));
    check_coherent(fd, size);
    CHECK_OK(close(fd));

    /* The contents outlive every mapping and descriptor, until the name is unlinked. */
    fd = shm_open(name, O_RDONLY, 0);
    CHECK(fd >= 0);
    char const *view = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(view != MAP_FAILED);
    CHECK(!strcmp(view + 100, "through the mapping"));
    CHECK(!strcmp(view + 2000, "from the child"));
    /* Writing needs the file open for writing. */
    CHECK(mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EACCES);
    CHECK_OK(munmap((void *)view, size));
    CHECK_OK(close(fd));
    CHECK_OK(shm_unlink(name));
    CHECK(shm_open(name, O_RDONLY, 0) == -1 && errno == ENOENT);

    /* memfd_create: the same, without a name in any directory. */
    int memfd = memfd_create("unifork", MFD_CLOEXEC);
    CHECK(memfd >= 0);
    CHECK(fcntl(memfd, F_GETFD) == FD_CLOEXEC);
    CHECK((fcntl(memfd, F_GETFL) & O_ACCMODE) == O_RDWR);
    char link_path[64], target[128];
    snprintf(link_path, sizeof link_path, "/proc/self/fd/%d", memfd);
    ssize_t length = readlink(link_path, target, sizeof target - 1);
    CHECK(length > 0);
    target[length] = '\0';
    CHECK(!strcmp(target, "/memfd:unifork (deleted)"));
    struct stat status;
    CHECK_OK(fstat(memfd, &status));
    CHECK(S_ISREG(status.st_mode) && status.st_size == 0);
    CHECK_OK(ftruncate(memfd, size));
    check_coherent(memfd, size);
    CHECK_OK(close(memfd));
    CHECK_ERRNO(memfd_create("bad", 0x100), EINVAL);
    return check_passed("shm_mmap");
}
