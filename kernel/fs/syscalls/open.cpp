#include <fs/open_file_description.h>

#include "support.h"

namespace fs::syscalls {

static ErrorOr<long> open_at(int dirfd, uintptr_t path_address, int flags, uint32_t mode)
{
    auto path = TRY(copy_path(path_address));
    auto& table = current_fd_table();
    auto& context = current_fs_context();
    // Linux reserves the descriptor before the lookup, so a full table is EMFILE even when
    // the open would have failed otherwise or created a file.
    TRY(table.check_can_allocate());
    auto base = TRY(base_for(table, context, dirfd, path.view()));
    auto description = TRY(open(context, *base, path.view(), flags, mode));
    return TRY(table.allocate(std::move(description), flags & O_CLOEXEC));
}

}

using namespace fs::syscalls;

// open(2), openat(2). Unknown flags are ignored, as Linux's open does (openat2 refuses them).
SYSCALL_HANDLER(open) { return open_at(AT_FDCWD, args[0], args.as_int(1), uint32_t(args[2])); }
SYSCALL_HANDLER(openat) { return open_at(args.as_int(0), args[1], args.as_int(2), uint32_t(args[3])); }

// creat(2): "A call to creat() is equivalent to calling open() with flags equal to
// O_CREAT|O_WRONLY|O_TRUNC."
SYSCALL_HANDLER(creat) { return open_at(AT_FDCWD, args[0], O_CREAT | O_WRONLY | O_TRUNC, uint32_t(args[1])); }
