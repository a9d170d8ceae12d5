#pragma once

#include <cstdint>

#include <lib/error_or.h>

namespace fs {

// The pages that hold ramfs file data. In the kernel each is a whole physical frame, reached
// through the direct map, so that a shared mapping of the file maps the very page that read(2)
// and write(2) use: ramfs is its own page cache. Frames are reference-counted: the file holds
// one reference, and each page table entry that maps the page holds another.
// Host unit tests provide these with ordinary memory.

// A zeroed page, or null when memory is exhausted.
uint8_t* allocate_file_page();
// Drops the file's reference; the page lives on while it is still mapped.
void release_file_page(uint8_t* page);
// The physical address of `page`, with a reference taken for a mapping.
uint64_t map_file_page(uint8_t* page);

}
