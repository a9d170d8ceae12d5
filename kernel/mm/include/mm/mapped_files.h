#pragma once

#include <cstdint>

#include <lib/error_or.h>
#include <mm/address_space.h>

namespace mm {

struct OpenedMapping {
    RefPtr<MappedFile> file;
    uint64_t size;
};

// Resolves a file descriptor for mmap: EBADF, EACCES (not opened for reading, or for writing
// when a shared writable mapping is asked), ENODEV (not a regular file). Provided by the file
// system glue.
ErrorOr<OpenedMapping> open_mapped_file(int fd, int prot, bool shared);

// The shared address space model keeps each program's break apart: [start, limit) is an
// inaccessible reservation above its image that brk opens up. Provided by the process library.
struct ProgramBreak {
    uint64_t start { 0 };
    uint64_t current { 0 };
    uint64_t limit { 0 };
};
ProgramBreak& current_program_break();
constexpr uint64_t shared_break_reservation = 64ull << 20;

}
