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

}
