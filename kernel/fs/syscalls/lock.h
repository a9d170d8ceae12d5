#pragma once

#include <cstdint>

#include <fs/open_file_description.h>
#include <lib/error_or.h>

namespace fs::syscalls {

// fcntl(2)'s record lock commands (F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK,
// F_OFD_SETLKW) on descriptor `fd`, which names `description`; `argument` is the struct flock.
ErrorOr<long> fcntl_record_lock(int fd, OpenFileDescription& description, int command, uintptr_t argument);

}
