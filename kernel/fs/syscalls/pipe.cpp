#include <fs/abi.h>
#include <fs/pipe.h>

#include "support.h"

#ifndef ENOPKG
#define ENOPKG 65
#endif

namespace fs::syscalls {

// pipe2(2), Linux's do_pipe2(): "EINVAL (pipe2()) Invalid value in flags"; O_NOTIFICATION_PIPE
// (O_EXCL) asks for a kernel notification queue, which is ENOPKG where Linux is built without
// them, as here. Both descriptors are reserved before anything is written back, and a bad
// array pointer closes them again (EFAULT), so a failed call leaves no descriptor behind.
static ErrorOr<long> make_pipe(uintptr_t fds_address, int flags)
{
    constexpr int notification_pipe = O_EXCL;
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | notification_pipe))
        return Error(EINVAL);
    if (flags & notification_pipe)
        return Error(ENOPKG);
    auto ends = TRY(create_pipe(flags));
    auto& table = current_fd_table();
    bool close_on_exec = flags & O_CLOEXEC;
    int read_fd = TRY(table.allocate(std::move(ends.read_end), close_on_exec));
    auto write_fd = table.allocate(std::move(ends.write_end), close_on_exec);
    if (write_fd.is_error()) {
        (void)table.close(read_fd);
        return write_fd.release_error();
    }
    int fds[2] = { read_fd, write_fd.value() };
    if (auto copied = copy_to_user(fds_address, fds, sizeof(fds)); copied.is_error()) {
        (void)table.close(read_fd);
        (void)table.close(write_fd.value());
        return copied.release_error();
    }
    return 0;
}

// mknod(2), Linux's do_mknodat(): the type first (a directory is EPERM, an unknown type
// EINVAL), then the name (EEXIST, ENOENT, ENOTDIR as for any creation), then the node.
static ErrorOr<long> make_node_at(int dirfd, uintptr_t path_address, uint32_t mode, uint32_t device)
{
    switch (mode & S_IFMT) {
    case 0:
    case S_IFREG:
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
    case S_IFSOCK:
        break;
    case S_IFDIR:
        return Error(EPERM);
    default:
        return Error(EINVAL);
    }
    auto path = TRY(copy_path(path_address));
    auto base = TRY(base_inode(dirfd, path.view()));
    // The device number arrives in the kernel's old 32-bit encoding (new_decode_dev()).
    uint32_t major = (device & 0xfff00) >> 8;
    uint32_t minor = (device & 0xff) | ((device >> 12) & 0xfff00);
    TRY(make_node(current_fs_context(), *base, path.view(), mode, encode_device(major, minor)));
    return 0;
}

}

using namespace fs::syscalls;

// pipe(2), pipe2(2): O_CLOEXEC, O_NONBLOCK and O_DIRECT (packet mode).
SYSCALL_HANDLER(pipe) { return make_pipe(args[0], 0); }
SYSCALL_HANDLER(pipe2) { return make_pipe(args[0], args.as_int(1)); }

// mknod(2), mknodat(2): FIFOs and regular files; device and socket nodes are made but opening
// them is ENXIO, as on Linux when no driver or socket is behind the node.
SYSCALL_HANDLER(mknod) { return make_node_at(AT_FDCWD, args[0], uint32_t(args[1]), uint32_t(args[2])); }
SYSCALL_HANDLER(mknodat) { return make_node_at(args.as_int(0), args[1], uint32_t(args[2]), uint32_t(args[3])); }
