/* A pipeline of separate programs: pipeline STAGES SIZE runs
 *
 *     pipeline_source SIZE | pipeline_filter 0 | ... | pipeline_filter STAGES-3 | pipeline_sink
 *
 * (STAGES programs in all, at least 2), wired with pipe2, fork, dup2 and execve, the stage
 * programs taken from the directory of argv[0]. The stream is SIZE pseudo-random bytes,
 * cut by every stage into reads and writes of odd sizes (pipeline.h). The driver computes the
 * stream's FNV-1a checksum after all the filters itself, compares it with the line the sink
 * prints, and checks that every stage exited with status 0. */
#define _GNU_SOURCE
#include "check.h"
#include "pipeline.h"

#include <fcntl.h>
#include <sys/wait.h>

enum { max_stages = 64 };

static char directory[4096];
static char *no_environment[] = { NULL };

/* Makes fd `target` a copy of fd, without close-on-exec, in a child about to exec. */
static void move_to(int fd, int target)
{
    if (fd == target) {
        if (fcntl(fd, F_SETFD, 0) != 0)
            _exit(126);
    } else if (dup2(fd, target) != target) {
        _exit(126);
    }
}

static pid_t start_stage(int input, int output, char *name, char *argument)
{
    char path[sizeof directory + 64];
    snprintf(path, sizeof path, "%s/%s", directory, name);
    char *argv[] = { path, argument, NULL };
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        /* Every pipe end is close-on-exec: the exec leaves only stdin and stdout. */
        if (input >= 0)
            move_to(input, 0);
        move_to(output, 1);
        execve(path, argv, no_environment);
        fprintf(stderr, "FAIL: execve(%s): %s\n", path, strerror(errno));
        _exit(127);
    }
    return pid;
}

static uint64_t expected_checksum(uint64_t size, unsigned filters)
{
    static unsigned char buffer[65536];
    uint64_t hash = PIPELINE_FNV_OFFSET;
    for (uint64_t position = 0; position < size; position += sizeof buffer) {
        size_t chunk = size - position < sizeof buffer ? (size_t)(size - position) : sizeof buffer;
        pipeline_generate(buffer, chunk, position);
        for (unsigned key = 0; key < filters; ++key)
            pipeline_filter(buffer, chunk, position, key);
        hash = pipeline_fnv1a(hash, buffer, chunk);
    }
    return hash;
}

int main(int argc, char **argv)
{
    CHECK(argc == 3);
    CHECK(argv[0][0] == '/');
    long long stages = pipeline_parse_size(argv[1]), size = pipeline_parse_size(argv[2]);
    CHECK(stages >= 2 && stages <= max_stages);
    CHECK(size >= 0);
    snprintf(directory, sizeof directory, "%s", argv[0]);
    *strrchr(directory, '/') = '\0';

    /* pipes[i] joins stage i to stage i+1; the last carries the sink's line to the driver. */
    int pipes[max_stages][2];
    for (int i = 0; i < stages; ++i)
        CHECK_OK(pipe2(pipes[i], O_CLOEXEC));
    pid_t pids[max_stages];
    char keys[max_stages][16];
    pids[0] = start_stage(-1, pipes[0][1], "pipeline_source", argv[2]);
    for (int i = 1; i < stages - 1; ++i) {
        snprintf(keys[i], sizeof keys[i], "%d", i - 1);
        pids[i] = start_stage(pipes[i - 1][0], pipes[i][1], "pipeline_filter", keys[i]);
    }
    pids[stages - 1] = start_stage(pipes[stages - 2][0], pipes[stages - 1][1], "pipeline_sink", NULL);
    /* The driver keeps only the read end of the sink's output: any other end left open here
     * would keep a stage from ever seeing end of file. */
    for (int i = 0; i < stages; ++i) {
        CHECK_OK(close(pipes[i][1]));
        if (i < stages - 1)
            CHECK_OK(close(pipes[i][0]));
    }

    uint64_t expected = expected_checksum((uint64_t)size, (unsigned)stages - 2);
    char expected_line[64];
    snprintf(expected_line, sizeof expected_line, "%016llx %llu\n", (unsigned long long)expected, size);

    char line[128];
    size_t length = 0;
    for (;;) {
        ssize_t got = read(pipes[stages - 1][0], line + length, sizeof line - 1 - length);
        CHECK(got >= 0);
        if (got == 0)
            break;
        length += (size_t)got;
        CHECK(length < sizeof line - 1);
    }
    line[length] = '\0';
    CHECK_OK(close(pipes[stages - 1][0]));

    int failed = 0;
    for (int i = 0; i < stages; ++i) {
        int status;
        CHECK(waitpid(pids[i], &status, 0) == pids[i]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "FAIL: stage %d (pid %d) ended with raw status 0x%x\n", i, (int)pids[i], status);
            failed = 1;
        }
    }
    if (strcmp(line, expected_line) != 0) {
        fprintf(stderr, "FAIL: the sink printed '%s', expected '%s'\n", line, expected_line);
        failed = 1;
    }
    CHECK(!failed);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    return check_passed("pipeline");
}
