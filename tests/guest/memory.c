/* Anonymous and file-backed memory mappings and the program break. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096UL

static unsigned char pattern(size_t index, unsigned seed)
{
    return (unsigned char)((index * 131u + seed * 17u + (index >> 12)) & 0xff);
}

static void fill(unsigned char *memory, size_t size, unsigned seed)
{
    for (size_t i = 0; i < size; ++i)
        memory[i] = pattern(i, seed);
}

static int holds(const unsigned char *memory, size_t size, unsigned seed)
{
    for (size_t i = 0; i < size; ++i)
        if (memory[i] != pattern(i, seed))
            return 0;
    return 1;
}

static int zeroed(const unsigned char *memory, size_t size)
{
    for (size_t i = 0; i < size; ++i)
        if (memory[i] != 0)
            return 0;
    return 1;
}

static void test_anonymous(void)
{
    size_t size = 16 * PAGE;
    unsigned char *memory = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(memory != MAP_FAILED);
    CHECK(((uintptr_t)memory & (PAGE - 1)) == 0);
    CHECK(zeroed(memory, size));
    fill(memory, size, 1);
    CHECK(holds(memory, size, 1));

    /* mprotect read-only keeps the contents readable, and back to writable. */
    CHECK(mprotect(memory + PAGE, 2 * PAGE, PROT_READ) == 0);
    CHECK(holds(memory, size, 1));
    CHECK(mprotect(memory + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE) == 0);
    memory[PAGE] = 0x5a;
    CHECK(memory[PAGE] == 0x5a);
    memory[PAGE] = pattern(PAGE, 1);
    CHECK_ERRNO(syscall(SYS_mprotect, memory + 1, PAGE, PROT_READ), EINVAL); /* unaligned (musl would align it) */

    /* MAP_FIXED replaces part of an existing mapping with fresh zero pages. */
    unsigned char *replaced = mmap(memory + 4 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(replaced == memory + 4 * PAGE);
    CHECK(holds(memory, 4 * PAGE, 1));
    CHECK(zeroed(memory + 4 * PAGE, 2 * PAGE));
    for (size_t i = 6 * PAGE; i < size; ++i)
        CHECK(memory[i] == pattern(i, 1));

    /* munmap of the middle leaves both sides intact. */
    CHECK(munmap(memory + 8 * PAGE, 4 * PAGE) == 0);
    CHECK(holds(memory, 4 * PAGE, 1));
    for (size_t i = 12 * PAGE; i < size; ++i)
        CHECK(memory[i] == pattern(i, 1));
    /* The hole can be mapped again, at the same place. */
    unsigned char *again = mmap(memory + 8 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE,
        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(again == memory + 8 * PAGE);
    CHECK(zeroed(again, 4 * PAGE));
    CHECK(munmap(memory, size) == 0);

    CHECK_ERRNO((long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_munmap, memory + 1, PAGE), EINVAL);
}

static void test_mremap(void)
{
    size_t small = 4 * PAGE, large = 64 * PAGE;
    unsigned char *memory = mmap(NULL, small, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(memory != MAP_FAILED);
    fill(memory, small, 2);
    /* Ask for something right after it, so that growing in place is likely impossible
     * (the address is only a hint). */
    unsigned char *blocker = mmap(memory + small, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(blocker != MAP_FAILED);
    unsigned char *grown = mremap(memory, small, large, MREMAP_MAYMOVE);
    CHECK(grown != MAP_FAILED);
    CHECK(holds(grown, small, 2));
    CHECK(zeroed(grown + small, large - small));
    fill(grown, large, 3);
    CHECK(holds(grown, large, 3));
    /* Shrinking stays in place and keeps the head. */
    unsigned char *shrunk = mremap(grown, large, 2 * PAGE, 0);
    CHECK(shrunk == grown);
    CHECK(holds(shrunk, 2 * PAGE, 3));
    CHECK(munmap(shrunk, 2 * PAGE) == 0);
    CHECK(munmap(blocker, PAGE) == 0);
}

static void test_file_mapping(void)
{
    char path[] = "/tmp/memory.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    size_t size = 3 * PAGE + 123;
    static unsigned char contents[3 * 4096 + 123], readback[3 * 4096 + 123];
    fill(contents, size, 4);
    CHECK(write(fd, contents, size) == (ssize_t)size);
    CHECK(close(fd) == 0);

    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK(read(fd, readback, size) == (ssize_t)size);
    unsigned char *mapped = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(mapped != MAP_FAILED);
    CHECK(memcmp(mapped, readback, size) == 0);
    /* The tail of the last page past the end of the file reads as zeros. */
    CHECK(zeroed(mapped + size, 4 * PAGE - size));
    CHECK(munmap(mapped, size) == 0);

    /* With an offset. */
    mapped = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
    CHECK(mapped != MAP_FAILED);
    CHECK(memcmp(mapped, readback + PAGE, PAGE) == 0);
    CHECK(munmap(mapped, PAGE) == 0);
    CHECK_ERRNO((long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 1), EINVAL);
    CHECK(close(fd) == 0);
    CHECK(unlink(path) == 0);
}

/* A writable shared mapping of a descriptor opened read-only is refused with EACCES (the
 * access mode is checked before anything else). Last, so a failure here leaves the
 * rest checked. */
static void test_shared_mapping_of_read_only_file(void)
{
    char path[] = "/tmp/memory.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(ftruncate(fd, PAGE) == 0);
    CHECK(close(fd) == 0);
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK(unlink(path) == 0);
    CHECK_ERRNO((long)mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
    CHECK(close(fd) == 0);
}

static void test_brk(void)
{
    /* musl's sbrk refuses nonzero increments, so this talks to brk directly. */
    uintptr_t start = (uintptr_t)syscall(SYS_brk, 0);
    CHECK(start != 0);
    size_t grow = 1024 * 1024;
    uintptr_t end = (uintptr_t)syscall(SYS_brk, start + grow);
    CHECK(end == start + grow);
    CHECK((uintptr_t)syscall(SYS_brk, 0) == end);
    unsigned char *memory = (unsigned char *)start;
    CHECK(zeroed(memory, grow));
    fill(memory, grow, 5);
    CHECK(holds(memory, grow, 5));
    CHECK((uintptr_t)syscall(SYS_brk, start) == start);
    CHECK((uintptr_t)syscall(SYS_brk, 0) == start);
    /* Grown again, the memory is zero once more. */
    CHECK((uintptr_t)syscall(SYS_brk, start + PAGE * 4) == start + PAGE * 4);
    CHECK(zeroed((unsigned char *)((start + PAGE - 1) & ~(PAGE - 1)), 2 * PAGE));
    CHECK((uintptr_t)syscall(SYS_brk, start) == start);
    /* musl's sbrk(0) reports the same break. */
    CHECK((uintptr_t)sbrk(0) == start);
}

int main(void)
{
    test_anonymous();
    test_mremap();
    test_file_mapping();
    test_brk();
    /* malloc still works after all this. */
    char *block = malloc(300000);
    CHECK(block != NULL);
    memset(block, 1, 300000);
    free(block);
    test_shared_mapping_of_read_only_file();
    return check_passed("memory");
}
