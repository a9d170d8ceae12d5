/* personality(2), capget(2), sync_file_range(2), and the checks of reboot(2), sethostname(2)
 * and setdomainname(2) that change nothing: what each answers must agree with what
 * /proc/self/status says the caller holds, so the program passes as root or not, with or
 * without a full capability set. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* From Linux's uapi headers, which musl-gcc does not see. */
#define _LINUX_CAPABILITY_VERSION_1 0x19980330
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
#define CAP_SYS_ADMIN 21
#define CAP_SYS_BOOT 22
struct cap_header {
    uint32_t version;
    int pid;
};
struct cap_data {
    uint32_t effective, permitted, inheritable;
};
#define LINUX_REBOOT_MAGIC1 0xfee1dead
#define LINUX_REBOOT_MAGIC2 672274793
#define LINUX_REBOOT_CMD_CAD_OFF 0

static uint64_t status_field(const char *name)
{
    FILE *file = fopen("/proc/self/status", "r");
    CHECK(file);
    char line[256];
    size_t length = strlen(name);
    uint64_t value = 0;
    int found = 0;
    while (fgets(line, sizeof(line), file)) {
        if (!strncmp(line, name, length) && line[length] == ':') {
            value = strtoull(line + length + 1, NULL, 16);
            found = 1;
        }
    }
    fclose(file);
    CHECK(found);
    return value;
}

static int holds(int capability) { return (status_field("CapEff") >> capability) & 1; }

static void check_personality(void)
{
    int original = personality(0xffffffff);
    CHECK(original != -1);
    CHECK((original & PER_MASK) == PER_LINUX);
    CHECK(personality(PER_LINUX | ADDR_NO_RANDOMIZE) == original);
    CHECK(personality(0xffffffff) == (PER_LINUX | ADDR_NO_RANDOMIZE));
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0)
        _exit(personality(0xffffffff) == (PER_LINUX | ADDR_NO_RANDOMIZE) ? 0 : 1);
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(personality(original) == (PER_LINUX | ADDR_NO_RANDOMIZE));
    CHECK(personality(0xffffffff) == original);
}

static void check_capget(void)
{
    struct cap_header header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct cap_data data[2];
    memset(data, 0xa5, sizeof(data));
    CHECK(syscall(SYS_capget, &header, data) == 0);
    uint64_t effective = data[0].effective | (uint64_t)data[1].effective << 32;
    uint64_t permitted = data[0].permitted | (uint64_t)data[1].permitted << 32;
    uint64_t inheritable = data[0].inheritable | (uint64_t)data[1].inheritable << 32;
    CHECK(effective == status_field("CapEff"));
    CHECK(permitted == status_field("CapPrm"));
    CHECK(inheritable == status_field("CapInh"));
    if (geteuid() != 0)
        CHECK(effective == 0);

    /* By pid: our own, and one that does not exist. */
    header.pid = getpid();
    CHECK(syscall(SYS_capget, &header, data) == 0);
    CHECK((data[0].effective | (uint64_t)data[1].effective << 32) == effective);
    header.pid = 4194303;
    CHECK_ERRNO(syscall(SYS_capget, &header, data), ESRCH);
    header.pid = -1;
    CHECK_ERRNO(syscall(SYS_capget, &header, data), EINVAL);

    /* Version 1 fills one set of 32 bits. */
    header.version = _LINUX_CAPABILITY_VERSION_1;
    header.pid = 0;
    memset(data, 0xa5, sizeof(data));
    CHECK(syscall(SYS_capget, &header, data) == 0);
    CHECK(data[0].effective == (uint32_t)effective);
    CHECK(data[1].effective == 0xa5a5a5a5);

    /* An unknown version: the preferred one comes back, with EINVAL, or 0 without data. */
    header.version = 0x12345678;
    CHECK_ERRNO(syscall(SYS_capget, &header, data), EINVAL);
    CHECK(header.version == _LINUX_CAPABILITY_VERSION_3);
    header.version = 0x12345678;
    CHECK(syscall(SYS_capget, &header, NULL) == 0);
    CHECK(header.version == _LINUX_CAPABILITY_VERSION_3);
    CHECK_ERRNO(syscall(SYS_capget, (void *)8, data), EFAULT);
}

static void check_sync_file_range(void)
{
    char path[] = "/tmp/system_extra.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(unlink(path) == 0);
    CHECK(write(fd, "data", 4) == 4);
    CHECK(sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) == 0);
    CHECK(sync_file_range(fd, 0, 4, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) == 0);
    CHECK_ERRNO(sync_file_range(fd, 0, 4, 8), EINVAL);
    CHECK_ERRNO(sync_file_range(fd, -1, 4, 0), EINVAL);
    CHECK_ERRNO(sync_file_range(fd, 0, -1, 0), EINVAL);
    CHECK_ERRNO(sync_file_range(fd, INT64_MAX, 1, 0), EINVAL);
    /* The descriptor is checked first, then the arguments, then the kind of file. */
    CHECK_ERRNO(sync_file_range(-1, 0, 0, 8), EBADF);
    CHECK_ERRNO(sync_file_range(-1, 0, 0, 0), EBADF);
    int pipe_ends[2];
    CHECK(pipe(pipe_ends) == 0);
    CHECK_ERRNO(sync_file_range(pipe_ends[0], 0, 0, 0), ESPIPE);
    CHECK_ERRNO(sync_file_range(pipe_ends[0], 0, 0, 8), EINVAL);
    int path_only = open("/", O_PATH);
    CHECK(path_only >= 0);
    CHECK_ERRNO(sync_file_range(path_only, 0, 0, 0), EBADF);
    int directory = open("/", O_RDONLY | O_DIRECTORY);
    CHECK(directory >= 0);
    CHECK(sync_file_range(directory, 0, 0, 0) == 0);
    close(pipe_ends[0]), close(pipe_ends[1]), close(path_only), close(directory), close(fd);
}

/* Calls that would change the machine are only made in ways that must fail. */
static void check_privileged_refusals(void)
{
    int boot = holds(CAP_SYS_BOOT), admin = holds(CAP_SYS_ADMIN);
    CHECK_ERRNO(syscall(SYS_reboot, 0x12345678, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, NULL), boot ? EINVAL : EPERM);
    CHECK_ERRNO(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, 0, LINUX_REBOOT_CMD_CAD_OFF, NULL), boot ? EINVAL : EPERM);
    CHECK_ERRNO(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, 0x5a5a5a5a, NULL), boot ? EINVAL : EPERM);
    char name[100];
    memset(name, 'x', sizeof(name));
    CHECK_ERRNO(sethostname(name, 65), admin ? EINVAL : EPERM);
    CHECK_ERRNO(setdomainname(name, 65), admin ? EINVAL : EPERM);
}

int main(void)
{
    check_personality();
    check_capget();
    check_sync_file_range();
    check_privileged_refusals();
    return check_passed("system_extra");
}
