/* A stage of the pipeline test: pipeline_sink reads standard input to its end, in reads of
 * odd sizes, and prints the FNV-1a 64 checksum and the byte count of what it read:
 * "HASH16 COUNT\n". */
#include "check.h"
#include "pipeline.h"

static unsigned char buffer[PIPELINE_BUFFER_SIZE];

int main(int argc, char **argv)
{
    (void)argv;
    CHECK(argc == 1);
    uint64_t hash = PIPELINE_FNV_OFFSET, count = 0;
    for (size_t turn = 5;; ++turn) {
        ssize_t got = read(0, buffer, pipeline_sizes[turn % PIPELINE_SIZE_COUNT]);
        if (got < 0 && errno == EINTR)
            continue;
        CHECK(got >= 0);
        if (got == 0)
            break;
        hash = pipeline_fnv1a(hash, buffer, (size_t)got);
        count += (uint64_t)got;
    }
    printf("%016llx %llu\n", (unsigned long long)hash, (unsigned long long)count);
    CHECK(fflush(stdout) == 0);
    return 0;
}
