/* A stage of the pipeline test: pipeline_source SIZE writes the first SIZE bytes of the
 * pipeline stream (pipeline.h) to standard output, in writes of odd sizes, and exits 0. */
#include "check.h"
#include "pipeline.h"

static unsigned char buffer[PIPELINE_BUFFER_SIZE];

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    long long size = pipeline_parse_size(argv[1]);
    CHECK(size >= 0);
    uint64_t position = 0;
    for (size_t turn = 0; position < (uint64_t)size; ++turn) {
        size_t chunk = pipeline_sizes[turn % PIPELINE_SIZE_COUNT];
        if (chunk > (uint64_t)size - position)
            chunk = (size_t)((uint64_t)size - position);
        pipeline_generate(buffer, chunk, position);
        CHECK(pipeline_write_all(1, buffer, chunk) == 0);
        position += chunk;
    }
    return 0;
}
