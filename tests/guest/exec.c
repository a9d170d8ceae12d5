/* execve, execveat and fexecve: argv and envp arrive exactly as passed; `#!` scripts get the
 * argv Linux builds (interpreter, its optional single argument, the script path as given,
 * then the original arguments without argv[0]), nested scripts too; errors (ENOENT, EACCES,
 * ENOEXEC, ENOTDIR, EFAULT, EINVAL) come back to the caller, which goes on unharmed;
 * close-on-exec is honoured and other fds keep their offsets; handled signals revert to the
 * default while ignored ones and the mask are kept; the pid, parent and process group stay;
 * the old address space is gone.
 *
 * Modes of the exec'd image (this program): SELF --checks ... (proc.h); SELF --exact (the
 * argv and environment of the exact-passing test); and, whenever EXPECT_ARGC is set, a
 * comparison of argv with EXPECT_ARGV0, EXPECT_ARGV1, ... (for scripts, whose argv this
 * program cannot choose). */
#define _GNU_SOURCE
#include "proc.h"

#include <libgen.h>

extern char **environ;

static char *self;
static char *no_environment[] = { NULL };

static char *const exact_argv[] = { "not-the-path", "--exact", "", "two words", "x=y", "caf\xc3\xa9 \xe2\x98\x83", "-", NULL };
static char *const exact_environment[] = { "A=1", "EMPTY=", "NOEQUALS", "A=2", "SPACES= a  b ", NULL };

static int check_exact(int argc, char **argv)
{
    int count = 0;
    while (exact_argv[count])
        ++count;
    CHECK(argc == count);
    for (int i = 0; i < count; ++i)
        CHECK(strcmp(argv[i], exact_argv[i]) == 0);
    CHECK(argv[argc] == NULL);
    for (count = 0; exact_environment[count]; ++count) {
        CHECK(environ[count] != NULL);
        CHECK(strcmp(environ[count], exact_environment[count]) == 0);
    }
    CHECK(environ[count] == NULL);
    return 0;
}

static int check_expected_argv(int argc, char **argv)
{
    int expected = (int)parse_number(getenv("EXPECT_ARGC"));
    int ok = argc == expected;
    for (int i = 0; ok && i < argc; ++i) {
        char name[32];
        snprintf(name, sizeof name, "EXPECT_ARGV%d", i);
        const char *value = getenv(name);
        ok = value && strcmp(argv[i], value) == 0;
    }
    if (!ok) {
        fprintf(stderr, "FAIL: argv differs from the expected one (%d arguments):\n", expected);
        for (int i = 0; i < argc; ++i)
            fprintf(stderr, "  argv[%d] = \"%s\"\n", i, argv[i]);
        for (int i = 0; i < expected; ++i) {
            char name[32];
            snprintf(name, sizeof name, "EXPECT_ARGV%d", i);
            fprintf(stderr, "  expected[%d] = \"%s\"\n", i, getenv(name));
        }
        return 1;
    }
    return 0;
}

/* Runs body in a child and returns the child's status; body execs or exits. */
#define IN_CHILD(...)                                               \
    ({                                                              \
        pid_t child_ = fork();                                      \
        CHECK(child_ >= 0);                                         \
        if (child_ == 0) {                                          \
            __VA_ARGS__;                                            \
            fprintf(stderr, "exec failed: %s\n", strerror(errno)); \
            _exit(99);                                              \
        }                                                           \
        WAIT_FOR(child_);                                           \
    })

static char *format(const char *pattern, long value)
{
    char *text = malloc(64);
    CHECK(text != NULL);
    snprintf(text, 64, pattern, value);
    return text;
}

/* An environment that makes the exec'd image compare its argv with the given one. */
static char **expect_argv(char *const expected[])
{
    static char *environment[40];
    int count = 0;
    while (expected[count])
        ++count;
    CHECK(count < 32);
    environment[0] = format("EXPECT_ARGC=%ld", count);
    for (int i = 0; i < count; ++i) {
        size_t size = strlen(expected[i]) + 32;
        environment[i + 1] = malloc(size);
        CHECK(environment[i + 1] != NULL);
        snprintf(environment[i + 1], size, "EXPECT_ARGV%d=%s", i, expected[i]);
    }
    environment[count + 1] = NULL;
    return environment;
}

static long execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
    return syscall(SYS_execveat, dirfd, path, argv, envp, flags);
}

int main(int argc, char **argv)
{
    if (getenv("EXPECT_ARGC"))
        return check_expected_argv(argc, argv);
    if (IS_CHECKS_MODE(argc, argv))
        return run_checks(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "--exact"))
        return check_exact(argc, argv);
    self = argv[0];
    CHECK(self[0] == '/');
    char directory[64], path[256], text[512];
    make_scratch_directory(directory, sizeof directory, "exec");
    int status;

    /* argv and envp exactly, argv[0] not being the path. */
    status = IN_CHILD(execve(self, exact_argv, exact_environment));
    CHECK_EXITED(status, 0);

    /* The pid, the parent and the process group survive the exec. */
    pid_t parent = getpid(), group = getpgrp();
    status = IN_CHILD({
        char *checks[] = { self, "--checks", format("pid:%ld", getpid()), format("ppid:%ld", parent), format("pgid:%ld", group),
            "exit:21", NULL };
        execve(self, checks, no_environment);
    });
    CHECK_EXITED(status, 21);

    /* Close-on-exec, set every way; fds without it keep their offsets. */
    snprintf(path, sizeof path, "%s/fds", directory);
    status = IN_CHILD({
        int with_flag = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        int plain = open(path, O_RDWR);
        CHECK(with_flag >= 0 && plain >= 0);
        CHECK(write(plain, "xyz", 3) == 3);
        CHECK(write(with_flag, "ab", 2) == 2);
        int duplicate = dup(with_flag);                        /* dup clears the flag */
        int dup_cloexec = fcntl(plain, F_DUPFD_CLOEXEC, 20);   /* set by F_DUPFD_CLOEXEC */
        int set_later = open(path, O_RDONLY);
        CHECK(fcntl(set_later, F_SETFD, FD_CLOEXEC) == 0);
        CHECK(dup3(plain, 30, O_CLOEXEC) == 30);
        int cleared = open(path, O_RDONLY | O_CLOEXEC);
        CHECK(fcntl(cleared, F_SETFD, 0) == 0);
        CHECK(dup2(with_flag, 100) == 100);                    /* dup2 clears it too */
        CHECK(duplicate >= 0 && dup_cloexec >= 20 && set_later >= 0 && cleared >= 0);
        char *checks[] = { self, "--checks", format("closed:%ld", with_flag), format("keep:%ld", plain),
            format("offset:%ld:3", plain), format("keep:%ld", duplicate), format("offset:%ld:2", duplicate),
            format("closed:%ld", dup_cloexec), format("closed:%ld", set_later), "closed:30", format("keep:%ld", cleared),
            "keep:100", "keep:0", "keep:1", "keep:2", NULL };
        execve(self, checks, no_environment);
    });
    CHECK_EXITED(status, 0);

    /* Signals: handlers revert to the default, SIG_IGN stays, the mask stays. */
    status = IN_CHILD({
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = (void (*)(int))(uintptr_t)check_expected_argv; /* never called */
        CHECK(sigaction(SIGUSR1, &action, NULL) == 0);
        CHECK(sigaction(SIGINT, &action, NULL) == 0);
        CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        CHECK(sigprocmask(SIG_BLOCK, &mask, NULL) == 0);
        char *checks[] = { self, "--checks", format("default:%ld", SIGUSR1), format("default:%ld", SIGINT),
            format("ignored:%ld", SIGUSR2), format("blocked:%ld", SIGTERM), format("unblocked:%ld", SIGUSR1), NULL };
        execve(self, checks, no_environment);
    });
    CHECK_EXITED(status, 0);

    /* The old address space is gone: a page mapped before the exec is not mapped after. */
    status = IN_CHILD({
        void *address = (void *)0x300000000000UL;
        CHECK_ERRNO(syscall(SYS_mprotect, address, 4096, PROT_READ), ENOMEM);
        CHECK(mmap(address, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == address);
        *(volatile int *)address = 1;
        execve(self, (char *[]){ self, "--checks", "unmapped:0x300000000000", NULL }, no_environment);
    });
    CHECK_EXITED(status, 0);

    /* execveat relative to a directory fd, with AT_EMPTY_PATH on the file's fd, with
     * AT_FDCWD; fexecve. */
    char copy[256];
    snprintf(copy, sizeof copy, "%s", self);
    int self_directory = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(self_directory >= 0);
    snprintf(copy, sizeof copy, "%s", self);
    char *name = basename(copy);
    int self_fd = open(self, O_RDONLY | O_CLOEXEC);
    CHECK(self_fd >= 0);
    status = IN_CHILD(execveat(self_directory, name, (char *[]){ name, "--checks", "exit:11", NULL }, no_environment, 0));
    CHECK_EXITED(status, 11);
    status = IN_CHILD(execveat(self_fd, "", (char *[]){ "x", "--checks", "exit:12", NULL }, no_environment, AT_EMPTY_PATH));
    CHECK_EXITED(status, 12);
    status = IN_CHILD(execveat(AT_FDCWD, self, (char *[]){ "x", "--checks", "exit:13", NULL }, no_environment, 0));
    CHECK_EXITED(status, 13);
    status = IN_CHILD(fexecve(self_fd, (char *[]){ "x", "--checks", "exit:14", NULL }, no_environment));
    CHECK_EXITED(status, 14);
    char *args[] = { "x", NULL };
    CHECK_ERRNO(execveat(self_fd, "", args, no_environment, 0), ENOENT);
    CHECK_ERRNO(execveat(self_directory, name, args, no_environment, 0x1), EINVAL);
    CHECK_ERRNO(execveat(self_fd, name, args, no_environment, 0), ENOTDIR);

    /* Scripts. */
    char script[256], spaced[256], bare[256], no_newline[256], nested[256];
    snprintf(script, sizeof script, "%s/script", directory);
    snprintf(text, sizeof text, "#!%s --interp\nthe interpreter never reads this\n", self);
    write_file(script, text, 0755);
    status = IN_CHILD(execve(script, (char *[]){ "ignored", "a1", "a 2", NULL },
        expect_argv((char *[]){ self, "--interp", script, "a1", "a 2", NULL })));
    CHECK_EXITED(status, 0);

    /* Blanks around the interpreter and its argument go; blanks inside the argument stay:
     * it is one argument, not split at spaces. */
    snprintf(spaced, sizeof spaced, "%s/spaced", directory);
    snprintf(text, sizeof text, "#! \t%s  \t one  two \t \n", self);
    write_file(spaced, text, 0755);
    status = IN_CHILD(execve(spaced, (char *[]){ "ignored", "a1", NULL },
        expect_argv((char *[]){ self, "one  two", spaced, "a1", NULL })));
    CHECK_EXITED(status, 0);

    /* No argument; no newline at all; no arguments to the script either. */
    snprintf(bare, sizeof bare, "%s/bare", directory);
    snprintf(text, sizeof text, "#!%s\n", self);
    write_file(bare, text, 0755);
    status = IN_CHILD(execve(bare, (char *[]){ "ignored", "a1", NULL }, expect_argv((char *[]){ self, bare, "a1", NULL })));
    CHECK_EXITED(status, 0);
    snprintf(no_newline, sizeof no_newline, "%s/no-newline", directory);
    snprintf(text, sizeof text, "#!%s", self);
    write_file(no_newline, text, 0755);
    status = IN_CHILD(execve(no_newline, (char *[]){ "ignored", NULL }, expect_argv((char *[]){ self, no_newline, NULL })));
    CHECK_EXITED(status, 0);

    /* The script path is passed as given to execve: relative stays relative. */
    status = IN_CHILD({
        CHECK(chdir(directory) == 0);
        execve("./script", (char *[]){ "ignored", "b", NULL },
            expect_argv((char *[]){ self, "--interp", "./script", "b", NULL }));
    });
    CHECK_EXITED(status, 0);

    /* A script as the interpreter of a script: both rewritings apply. */
    snprintf(nested, sizeof nested, "%s/nested", directory);
    snprintf(text, sizeof text, "#!%s\n", script);
    write_file(nested, text, 0755);
    status = IN_CHILD(execve(nested, (char *[]){ "ignored", "n1", NULL },
        expect_argv((char *[]){ self, "--interp", script, nested, "n1", NULL })));
    CHECK_EXITED(status, 0);

    /* Through execveat the script's path is /dev/fd/N/NAME or /dev/fd/N; with a close-on-exec
     * fd and AT_EMPTY_PATH the interpreter could not open it, so the exec fails with ENOENT. */
    int directory_fd = open(directory, O_RDONLY | O_DIRECTORY);
    CHECK(directory_fd >= 0);
    snprintf(path, sizeof path, "/dev/fd/%d/script", directory_fd);
    status = IN_CHILD(execveat(directory_fd, "script", (char *[]){ "ignored", NULL },
        expect_argv((char *[]){ self, "--interp", path, NULL }), 0));
    CHECK_EXITED(status, 0);
    int script_fd = open(script, O_RDONLY);
    CHECK(script_fd >= 0);
    snprintf(path, sizeof path, "/dev/fd/%d", script_fd);
    status = IN_CHILD(execveat(script_fd, "", (char *[]){ "ignored", NULL },
        expect_argv((char *[]){ self, "--interp", path, NULL }), AT_EMPTY_PATH));
    CHECK_EXITED(status, 0);
    CHECK(fcntl(script_fd, F_SETFD, FD_CLOEXEC) == 0);
    CHECK_ERRNO(execveat(script_fd, "", args, no_environment, AT_EMPTY_PATH), ENOENT);

    /* Script errors: a missing interpreter, one that cannot be executed, an empty one. */
    snprintf(path, sizeof path, "%s/missing-interpreter", directory);
    write_file(path, "#!/nonexistent/unifork-interpreter\n", 0755);
    CHECK_ERRNO(execve(path, args, no_environment), ENOENT);
    snprintf(text, sizeof text, "#!%s\n", directory);
    snprintf(path, sizeof path, "%s/directory-interpreter", directory);
    write_file(path, text, 0755);
    CHECK_ERRNO(execve(path, args, no_environment), EACCES);
    snprintf(path, sizeof path, "%s/empty-interpreter", directory);
    write_file(path, "#!  \n", 0755);
    CHECK_ERRNO(execve(path, args, no_environment), ENOEXEC);
    snprintf(path, sizeof path, "%s/not-executable", directory);
    snprintf(text, sizeof text, "#!%s\n", self);
    write_file(path, text, 0644);
    CHECK_ERRNO(execve(path, args, no_environment), EACCES);

    /* Other failures; each returns to this process, which carries on. */
    CHECK_ERRNO(execve("/nonexistent/unifork-exec-test", args, no_environment), ENOENT);
    CHECK_ERRNO(execve("", args, no_environment), ENOENT);
    CHECK_ERRNO(execve(directory, args, no_environment), EACCES);
    snprintf(path, sizeof path, "%s/garbage", directory);
    write_file(path, "\x01\x02\x03 this is neither ELF nor a script\n", 0755);
    CHECK_ERRNO(execve(path, args, no_environment), ENOEXEC);
    snprintf(path, sizeof path, "%s/empty", directory);
    write_file(path, "", 0755);
    CHECK_ERRNO(execve(path, args, no_environment), ENOEXEC);
    snprintf(path, sizeof path, "%s/elf-stub", directory);
    write_file(path, "\x7f" "ELF\x02\x01\x01", 0755);
    CHECK_ERRNO(execve(path, args, no_environment), ENOEXEC);
    snprintf(path, sizeof path, "%s/x", self);
    CHECK_ERRNO(execve(path, args, no_environment), ENOTDIR);
    CHECK_ERRNO(syscall(SYS_execve, self, 8L, no_environment), EFAULT);
    CHECK_ERRNO(syscall(SYS_execve, self, args, 8L), EFAULT);
    CHECK(getpid() == parent);

    close(self_directory);
    close(self_fd);
    close(directory_fd);
    close(script_fd);
    remove_scratch_directory(directory);
    return check_passed("exec");
}
