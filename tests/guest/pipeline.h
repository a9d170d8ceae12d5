/* The byte stream of the pipeline programs (pipeline, pipeline_source, pipeline_filter,
 * pipeline_sink): a deterministic pseudo-random source, a position-dependent filter and an
 * FNV-1a 64 checksum. Every function takes the stream position, so the result does not depend
 * on how the stream is cut into reads and writes; a byte lost, duplicated or reordered on the
 * way changes the checksum. */
#ifndef GUEST_PIPELINE_H
#define GUEST_PIPELINE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define PIPELINE_FNV_OFFSET 0xcbf29ce484222325ULL
#define PIPELINE_FNV_PRIME 0x100000001b3ULL

/* Byte `position` of the source stream: 8 bytes per step of a counter-based generator
 * (splitmix64 of the 8-byte block index), so any byte can be produced without the ones
 * before it. */
static inline uint64_t pipeline_block(uint64_t index)
{
    uint64_t z = (index + 1) * 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Fills buffer with the source bytes from position on. */
static inline void pipeline_generate(unsigned char *buffer, size_t size, uint64_t position)
{
    size_t done = 0;
    while (done < size) {
        uint64_t block = pipeline_block((position + done) / 8);
        unsigned offset = (unsigned)((position + done) % 8);
        for (; offset < 8 && done < size; ++offset, ++done)
            buffer[done] = (unsigned char)(block >> (8 * offset));
    }
}

/* Filter stage `key` (0, 1, 2, ...): an affine substitution, then a xor with the position
 * modulo a prime (251, so that it lines up with no power-of-two buffer size) shifted by the
 * key. Stages with different keys do not commute, so the order of a pipeline matters. */
static inline void pipeline_filter(unsigned char *buffer, size_t size, uint64_t position, unsigned key)
{
    unsigned multiplier = 2 * (key % 64) + 167; /* odd: a bijection of the bytes */
    unsigned phase = (unsigned)((position + key * 37) % 251);
    for (size_t i = 0; i < size; ++i) {
        buffer[i] = (unsigned char)((buffer[i] * multiplier + key + 13) ^ phase);
        if (++phase == 251)
            phase = 0;
    }
}

static inline uint64_t pipeline_fnv1a(uint64_t hash, const unsigned char *buffer, size_t size)
{
    for (size_t i = 0; i < size; ++i)
        hash = (hash ^ buffer[i]) * PIPELINE_FNV_PRIME;
    return hash;
}

/* Odd sizes for the reads and writes of the stages, cycled through, all different. */
static const size_t pipeline_sizes[] = { 4093, 1, 65537, 777, 100003, 3, 12289, 65536, 31, 250000, 4095 };
#define PIPELINE_SIZE_COUNT (sizeof pipeline_sizes / sizeof pipeline_sizes[0])
#define PIPELINE_BUFFER_SIZE 250000

/* Writes all of buffer, resuming after short writes; 0 on success, -1 on an error. */
static inline int pipeline_write_all(int fd, const unsigned char *buffer, size_t size)
{
    while (size) {
        ssize_t written = write(fd, buffer, size);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return -1;
        buffer += written;
        size -= (size_t)written;
    }
    return 0;
}

/* Parses a decimal byte count with an optional K or M suffix (binary); -1 when malformed. */
static inline long long pipeline_parse_size(const char *text)
{
    char *end;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno || end == text || value < 0)
        return -1;
    if (*end == 'K')
        value *= 1024, ++end;
    else if (*end == 'M')
        value *= 1024 * 1024, ++end;
    return *end ? -1 : value;
}

#endif
