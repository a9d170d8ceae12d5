/* A stage of the pipeline test: pipeline_filter KEY copies standard input to standard output
 * through filter stage KEY (pipeline.h), reading and writing in odd sizes (each read's data
 * goes out in two writes), until end of file; then exits 0. */
#include "check.h"
#include "pipeline.h"

static unsigned char buffer[PIPELINE_BUFFER_SIZE];

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    long long key = pipeline_parse_size(argv[1]);
    CHECK(key >= 0 && key < 1000);
    uint64_t position = 0;
    for (size_t turn = (size_t)key;; ++turn) {
        ssize_t got = read(0, buffer, pipeline_sizes[turn % PIPELINE_SIZE_COUNT]);
        if (got < 0 && errno == EINTR)
            continue;
        CHECK(got >= 0);
        if (got == 0)
            break;
        pipeline_filter(buffer, (size_t)got, position, (unsigned)key);
        size_t first = (size_t)got / 3 + (turn % 2);
        if (first > (size_t)got)
            first = (size_t)got;
        CHECK(pipeline_write_all(1, buffer, first) == 0);
        CHECK(pipeline_write_all(1, buffer + first, (size_t)got - first) == 0);
        position += (uint64_t)got;
    }
    return 0;
}
