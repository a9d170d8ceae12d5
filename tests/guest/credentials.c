/* Users and groups (credentials(7)), from a process that starts as root: the rules of the
 * setuid family for root and, in forked children, for a process that dropped to another user
 * (EPERM, the saved IDs, setfsuid), supplementary groups, /proc/self/status, file permissions
 * for the dropped user (the owner's, group's and others' bits, directory write permission,
 * new files' owners, the sticky bit, chmod and chown), access(2) with the real IDs, kill to
 * root's process, and execve of a set-user-ID and set-group-ID copy of this program.
 *
 * `credentials report UID EUID GID EGID` is that copy: it checks the IDs it runs with and the
 * auxiliary vector. Where the program does not start as root it has no user to become, and
 * passes. Natively, a scratch directory on a nosuid mount (or no_new_privs) makes the
 * set-user-ID exec a plain one: only that check is skipped. */
#define _GNU_SOURCE
#include "proc.h"

#include <grp.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>

#define USER 1000
#define OTHER 1001

static char scratch[128];

static void path_in(char *buffer, size_t size, const char *name)
{
    snprintf(buffer, size, "%s/%s", scratch, name);
}

static void check_ids(uid_t ruid, uid_t euid, uid_t suid)
{
    uid_t r, e, s;
    CHECK_OK(getresuid(&r, &e, &s));
    if (r != ruid || e != euid || s != suid) {
        fprintf(stderr, "FAIL: user IDs %u %u %u, expected %u %u %u\n", r, e, s, ruid, euid, suid);
        exit(1);
    }
    CHECK(getuid() == ruid && geteuid() == euid);
}

static void drop_to(uid_t user, gid_t group)
{
    CHECK_OK(setgroups(0, NULL));
    CHECK_OK(setresgid(group, group, group));
    CHECK_OK(setresuid(user, user, user));
    check_ids(user, user, user);
}

/* The line of /proc/self/status that starts with `key`, without its newline. */
static void status_line(const char *key, char *line, size_t size)
{
    static char text[8192];
    read_file("/proc/self/status", text, sizeof text);
    char *found = strstr(text, key);
    CHECK(found != NULL);
    size_t length = strcspn(found, "\n");
    CHECK(length < size);
    memcpy(line, found, length);
    line[length] = '\0';
}

/* --- The setuid family ------------------------------------------------------------------------ */

static void root_rules(void)
{
    uid_t r, e, s;
    /* EFAULT from a bad pointer. */
    CHECK_ERRNO(syscall(SYS_getresuid, &r, &e, (uid_t *)1), EFAULT);
    CHECK_ERRNO(syscall(SYS_getresgid, (gid_t *)1, &e, &s), EFAULT);
    CHECK_ERRNO(setuid((uid_t)-1), EINVAL);

    /* Supplementary groups: a count for size 0, EINVAL for a list too small. */
    gid_t groups[] = { 20, 10, 30 };
    CHECK_OK(setgroups(3, groups));
    CHECK(getgroups(0, NULL) == 3);
    gid_t got[8];
    CHECK_ERRNO(getgroups(2, got), EINVAL);
    CHECK_ERRNO(getgroups(-1, got), EINVAL);
    CHECK(getgroups(8, got) == 3);
    int seen = 0;
    for (int i = 0; i < 3; ++i)
        seen |= got[i] == 10 ? 1 : got[i] == 20 ? 2 : got[i] == 30 ? 4 : 8;
    CHECK(seen == 7);
    char line[256];
    status_line("Groups:", line, sizeof line);
    CHECK(strcmp(line, "Groups:\t10 20 30 ") == 0);
    CHECK_ERRNO(syscall(SYS_setgroups, 65537, got), EINVAL);
    CHECK_OK(setgroups(0, NULL));
    CHECK(getgroups(0, NULL) == 0);
    status_line("Groups:", line, sizeof line);
    CHECK(strcmp(line, "Groups:\t ") == 0);

    /* Root: setresuid sets what it is told; setfsuid returns the previous file system ID. */
    CHECK_OK(setresgid(100, 101, 102));
    CHECK_OK(setresuid(USER, 0, OTHER));
    check_ids(USER, 0, OTHER);
    CHECK((uid_t)setfsuid(2000) == (uid_t)(0));
    CHECK((uid_t)setfsuid((uid_t)-1) == (uid_t)(2000));
    status_line("Uid:", line, sizeof line);
    CHECK(strcmp(line, "Uid:\t1000\t0\t1001\t2000") == 0);
    status_line("Gid:", line, sizeof line);
    CHECK(strcmp(line, "Gid:\t100\t101\t102\t101") == 0);
    /* Changing the effective ID brings the file system ID along. */
    CHECK_OK(setresuid(-1, 0, -1));
    CHECK((uid_t)setfsuid((uid_t)-1) == (uid_t)(0));

    /* setreuid's saved ID rule: the effective ID alone, back to the real one, keeps the saved
     * ID; set to anything else, the saved ID follows. */
    CHECK_OK(setresuid(0, 0, 0));
    CHECK_OK(setreuid(-1, USER));
    check_ids(0, USER, USER);
    CHECK_OK(setresuid(0, 0, 0));
    CHECK_OK(setreuid(USER, -1));
    check_ids(USER, 0, 0);
    CHECK_OK(setresuid(0, 0, 0));
    CHECK_OK(setuid(USER)); /* root: all three */
    check_ids(USER, USER, USER);
    CHECK((uid_t)setfsuid((uid_t)-1) == (uid_t)(USER));
}

static void unprivileged_rules(void)
{
    /* Dropped with a saved ID to go back to: real 1000, effective 1001, saved 1002. */
    CHECK_OK(setgroups(0, NULL));
    CHECK_OK(setresgid(USER, USER, USER));
    CHECK_OK(setresuid(USER, OTHER, 1002));
    check_ids(USER, OTHER, 1002);

    CHECK_ERRNO(setuid(1003), EPERM);
    CHECK_ERRNO(setuid(0), EPERM);
    CHECK_ERRNO(setresuid(-1, 1003, -1), EPERM);
    CHECK_ERRNO(setreuid(1002, -1), EPERM); /* the real ID: only the real or effective one */
    CHECK_ERRNO(setgid(0), EPERM);
    CHECK_ERRNO(setresgid(0, -1, -1), EPERM);
    CHECK_ERRNO(setgroups(0, NULL), EPERM);
    check_ids(USER, OTHER, 1002);

    /* setuid unprivileged: the effective ID only, to the real or saved one. */
    CHECK_OK(setuid(1002));
    check_ids(USER, 1002, 1002);
    CHECK_OK(seteuid(USER));
    check_ids(USER, USER, 1002);
    CHECK_OK(seteuid(1002)); /* the saved ID brings it back */
    check_ids(USER, 1002, 1002);
    CHECK_OK(setresuid(1002, USER, -1));
    check_ids(1002, USER, 1002);
    CHECK_OK(setreuid(USER, 1002)); /* a swap; the real ID set, so saved = effective */
    check_ids(USER, 1002, 1002);

    /* setfsuid: refused silently, returning the current file system ID. */
    CHECK((uid_t)setfsuid(1005) == (uid_t)(1002));
    CHECK((uid_t)setfsuid((uid_t)-1) == (uid_t)(1002));
    CHECK((uid_t)setfsuid(USER) == (uid_t)(1002));
    CHECK((uid_t)setfsuid((uid_t)-1) == (uid_t)(USER));
    CHECK((gid_t)setfsgid(0) == (gid_t)(USER));
    CHECK((gid_t)setfsgid((gid_t)-1) == (gid_t)(USER));
    char line[256];
    status_line("Uid:", line, sizeof line);
    CHECK(strcmp(line, "Uid:\t1000\t1002\t1002\t1000") == 0);
    CHECK_OK(seteuid(USER)); /* and the effective ID takes the file system one along */
    CHECK((uid_t)setfsuid((uid_t)-1) == (uid_t)(USER));

    /* Once every ID is the user's, root is out of reach. */
    CHECK_OK(setresuid(USER, USER, USER));
    CHECK_ERRNO(seteuid(0), EPERM);
    CHECK_ERRNO(setreuid(-1, 1002), EPERM);

    /* kill: not to root's process (signal 0 probes the permission too). */
    CHECK_ERRNO(kill(getppid(), 0), EPERM);
    CHECK_ERRNO(kill(getppid(), SIGUSR1), EPERM);
    CHECK_OK(kill(getpid(), 0));
    /* kill(-1) passes over the processes it may not signal; Linux's kill_something_info() then
     * reports success, not EPERM. */
    CHECK_OK(kill(-1, 0));
}

/* --- File permissions ------------------------------------------------------------------------- */

static void file_permissions(void)
{
    char secret[192], public[192], inside[192], roots[192], mine[192], other[192], closed[192], closed_file[192];
    path_in(secret, sizeof secret, "secret");
    path_in(public, sizeof public, "public");
    path_in(inside, sizeof inside, "root_dir/new");
    path_in(closed, sizeof closed, "closed");
    path_in(closed_file, sizeof closed_file, "closed/file");
    path_in(roots, sizeof roots, "sticky/roots");
    path_in(mine, sizeof mine, "sticky/mine");
    path_in(other, sizeof other, "sticky/renamed");

    /* A set-user-ID root program that gave up its effective ID can take it back. */
    CHECK_OK(setgroups(0, NULL));
    CHECK_OK(setresgid(USER, USER, USER));
    CHECK_OK(setresuid(USER, USER, 0));
    CHECK_ERRNO(open(secret, O_RDONLY), EACCES);
    CHECK_OK(seteuid(0));
    int fd = open(secret, O_RDONLY);
    CHECK(fd >= 0);
    close(fd);
    /* access(2) checks with the real ID, AT_EACCESS with the effective one. */
    CHECK_ERRNO(access(secret, R_OK), EACCES);
    CHECK_OK(faccessat(AT_FDCWD, secret, R_OK, AT_EACCESS));
    CHECK_OK(access(public, R_OK));
    CHECK_ERRNO(access(public, W_OK), EACCES);
    CHECK_OK(setresuid(USER, USER, USER));

    /* The others' bits. */
    CHECK_ERRNO(open(secret, O_RDONLY), EACCES);
    CHECK_ERRNO(open(secret, O_WRONLY), EACCES);
    struct stat status;
    CHECK_OK(stat(secret, &status)); /* the directory may be searched */
    fd = open(public, O_RDONLY);
    CHECK(fd >= 0);
    char buffer[16] = { 0 };
    CHECK(read(fd, buffer, sizeof buffer - 1) == 6 && strcmp(buffer, "public") == 0);
    close(fd);
    CHECK_ERRNO(open(public, O_WRONLY), EACCES);
    CHECK_ERRNO(open(public, O_RDONLY | O_TRUNC), EACCES);
    CHECK_ERRNO(truncate(public, 0), EACCES);
    CHECK_ERRNO(chmod(public, 0666), EPERM);
    CHECK_ERRNO(chown(public, USER, USER), EPERM);
    CHECK_ERRNO(unlink(public), EACCES);

    /* Creating in root's 0755 directory. */
    CHECK_ERRNO(open(inside, O_WRONLY | O_CREAT, 0644), EACCES);
    CHECK_ERRNO(mkdir(inside, 0755), EACCES);
    CHECK_ERRNO(symlink("x", inside), EACCES);

    /* A 1777 directory: new files are the user's; root's file stays. */
    fd = open(mine, O_WRONLY | O_CREAT | O_EXCL, 0400);
    CHECK(fd >= 0); /* writable in the call that creates it, whatever its mode */
    CHECK(write(fd, "mine", 4) == 4);
    CHECK_OK(fstat(fd, &status));
    CHECK(status.st_uid == USER && status.st_gid == USER);
    close(fd);
    CHECK_ERRNO(open(mine, O_WRONLY), EACCES);
    CHECK_OK(chmod(mine, 0600));
    fd = open(mine, O_RDWR);
    CHECK(fd >= 0);
    close(fd);
    CHECK_ERRNO(chown(mine, OTHER, -1), EPERM);
    CHECK_ERRNO(chown(mine, -1, 0), EPERM);
    CHECK_OK(chown(mine, USER, USER)); /* to what it is already */
    CHECK_OK(chown(mine, -1, -1));
    CHECK_ERRNO(unlink(roots), EPERM);
    CHECK_ERRNO(rename(roots, other), EPERM);
    CHECK_ERRNO(rename(mine, roots), EPERM);
    CHECK_OK(rename(mine, other));
    CHECK_OK(unlink(other));

    /* No search permission in a 0700 directory of root's. */
    CHECK_ERRNO(chdir(closed), EACCES);
    CHECK_ERRNO(stat(closed_file, &status), EACCES);
    CHECK_OK(stat(closed, &status));
}

/* --- Set-user-ID execution -------------------------------------------------------------------- */

static int report(char **argv)
{
    uid_t ruid = (uid_t)atol(argv[2]), euid = (uid_t)atol(argv[3]);
    gid_t rgid = (gid_t)atol(argv[4]), egid = (gid_t)atol(argv[5]);
    uid_t r, e, s;
    CHECK_OK(getresuid(&r, &e, &s));
    if (r != ruid || e != euid || s != euid) {
        fprintf(stderr, "FAIL: after exec user IDs %u %u %u, expected %u %u %u\n", r, e, s, ruid, euid, euid);
        return 1;
    }
    gid_t gr, ge, gs;
    CHECK_OK(getresgid(&gr, &ge, &gs));
    if (gr != rgid || ge != egid || gs != egid) {
        fprintf(stderr, "FAIL: after exec group IDs %u %u %u, expected %u %u %u\n", gr, ge, gs, rgid, egid, egid);
        return 1;
    }
    CHECK(getauxval(AT_UID) == ruid && getauxval(AT_EUID) == euid);
    CHECK(getauxval(AT_GID) == rgid && getauxval(AT_EGID) == egid);
    CHECK(getauxval(AT_SECURE) == (ruid != euid || rgid != egid));
    CHECK((uid_t)setfsuid((uid_t)-1) == euid);
    return 0;
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    CHECK(in >= 0);
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
    CHECK(out >= 0);
    char buffer[65536];
    ssize_t got;
    while ((got = read(in, buffer, sizeof buffer)) > 0)
        CHECK(write(out, buffer, (size_t)got) == got);
    CHECK(got == 0);
    close(in);
    close(out);
    CHECK_OK(chmod(to, mode));
}

/* Runs `path report ...` as USER and returns its exit code (or 126 when execve failed). */
static int run_as_user(const char *path, uid_t euid, gid_t egid, int *exec_errno)
{
    static int *shared_errno;
    if (!shared_errno)
        shared_errno = shared_memory(sizeof *shared_errno);
    *shared_errno = 0;
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        drop_to(USER, USER);
        char user[16], effective[16], group[16], effective_group[16];
        snprintf(user, sizeof user, "%d", USER);
        snprintf(effective, sizeof effective, "%u", euid);
        snprintf(group, sizeof group, "%d", USER);
        snprintf(effective_group, sizeof effective_group, "%u", egid);
        execl(path, path, "report", user, effective, group, effective_group, (char *)NULL);
        *shared_errno = errno;
        _exit(126);
    }
    int status = WAIT_FOR(child);
    CHECK(WIFEXITED(status));
    *exec_errno = *shared_errno;
    return WEXITSTATUS(status);
}

static void set_user_id_exec(void)
{
    char program[192], private[192];
    path_in(program, sizeof program, "setuid_copy");
    path_in(private, sizeof private, "private_copy");
    copy_file("/proc/self/exe", program, 0755);
    copy_file("/proc/self/exe", private, 0700);
    int exec_errno;

    /* A plain exec keeps the IDs. */
    CHECK(run_as_user(program, USER, USER, &exec_errno) == 0);
    /* No execute permission for the user. */
    CHECK(run_as_user(private, USER, USER, &exec_errno) == 126 && exec_errno == EACCES);

    /* chown clears the set-ID bits, so they are set after it. */
    CHECK_OK(chown(program, OTHER, OTHER));
    CHECK_OK(chmod(program, 06755));
    struct stat status;
    CHECK_OK(stat(program, &status));
    CHECK((status.st_mode & 07777) == 06755 && status.st_uid == OTHER && status.st_gid == OTHER);

    struct statvfs file_system;
    CHECK_OK(statvfs(scratch, &file_system));
    if ((file_system.f_flag & ST_NOSUID) || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
        fprintf(stderr, "credentials: %s is nosuid or no_new_privs is set: set-user-ID exec not checked\n", scratch);
        return;
    }
    CHECK(run_as_user(program, OTHER, OTHER, &exec_errno) == 0);
    /* Set-group-ID needs group execute to count. */
    CHECK_OK(chmod(program, 06745));
    CHECK(run_as_user(program, OTHER, USER, &exec_errno) == 0);
}

/* --- The test --------------------------------------------------------------------------------- */

static void in_child(void (*body)(void))
{
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        body();
        _exit(0);
    }
    CHECK_CHILD_EXITS(child, 0);
}

int main(int argc, char **argv)
{
    if (argc > 5 && strcmp(argv[1], "report") == 0)
        return report(argv);
    if (geteuid() != 0)
        return check_passed("credentials"); /* no other user to become */

    make_scratch_directory(scratch, sizeof scratch, "credentials");
    CHECK_OK(chmod(scratch, 0755));
    char path[192];
    path_in(path, sizeof path, "secret");
    write_file(path, "secret", 0600);
    path_in(path, sizeof path, "public");
    write_file(path, "public", 0644);
    path_in(path, sizeof path, "root_dir");
    CHECK_OK(mkdir(path, 0755));
    path_in(path, sizeof path, "closed");
    CHECK_OK(mkdir(path, 0700));
    path_in(path, sizeof path, "sticky");
    CHECK_OK(mkdir(path, 0777));
    CHECK_OK(chmod(path, 01777));
    path_in(path, sizeof path, "sticky/roots");
    write_file(path, "roots", 0666);

    in_child(root_rules);
    in_child(unprivileged_rules);
    in_child(file_permissions);
    set_user_id_exec();

    /* The root process kept its IDs throughout. */
    check_ids(0, 0, 0);
    CHECK(getgid() == 0 && getegid() == 0);
    path_in(path, sizeof path, "sticky/roots");
    CHECK_OK(unlink(path));
    path_in(path, sizeof path, "sticky");
    CHECK_OK(rmdir(path));
    remove_scratch_directory(scratch);
    return check_passed("credentials");
}
