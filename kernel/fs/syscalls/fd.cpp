#include <fs/abi.h>
#include <fs/pipe.h>

#include "lock.h"
#include "support.h"

namespace fs::syscalls {

// fcntl(2) F_SETFL: "On Linux, this command can change only the O_APPEND, O_ASYNC, O_DIRECT,
// O_NOATIME, and O_NONBLOCK flags." We honour O_APPEND, O_NONBLOCK and O_NOATIME (atime is not
// updated anyway), and O_DIRECT on pipes and FIFOs, where it is packet mode ("Pipe packetized
// mode is controlled by O_DIRECT flag", setfl()); asking for O_ASYNC (signal-driven I/O) or
// for O_DIRECT on other files, which we do not provide, is EINVAL rather than silently
// ignored.
static ErrorOr<long> set_status_flags(OpenFileDescription& description, int flags)
{
    if (flags & O_ASYNC)
        return Error(EINVAL);
    if ((flags & O_DIRECT) && description.inode().type() != S_IFIFO)
        return Error(EINVAL);
    description.set_status_flags(flags);
    return 0;
}

// F_GETPIPE_SZ, F_SETPIPE_SZ: EBADF on anything but a pipe or FIFO (pipe_fcntl() finds no pipe).
static ErrorOr<long> pipe_size(OpenFileDescription& description, int command, uint64_t argument)
{
    if (description.is_path_only() || description.inode().type() != S_IFIFO)
        return Error(EBADF);
    auto& pipe = static_cast<PipeInode&>(description.inode());
    if (command == F_GETPIPE_SZ)
        return long(pipe.size_in_bytes());
    return long(TRY(pipe.set_size_in_bytes(argument)));
}

static ErrorOr<long> fcntl(int fd, int command, uint64_t argument)
{
    auto& table = current_fd_table();
    auto description = TRY(table.get(fd));
    switch (command) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        // "EINVAL arg is negative or is greater than the maximum allowable value".
        if (int64_t(int(argument)) < 0 || size_t(int(argument)) >= table.limit())
            return Error(EINVAL);
        return TRY(table.allocate(std::move(description), command == F_DUPFD_CLOEXEC, int(argument)));
    case F_GETFD:
        return TRY(table.close_on_exec(fd)) ? FD_CLOEXEC : 0;
    case F_SETFD:
        TRY(table.set_close_on_exec(fd, argument & FD_CLOEXEC));
        return 0;
    case F_GETFL:
        return description->flags();
    case F_SETFL:
        if (description->is_path_only())
            return Error(EBADF);
        return set_status_flags(*description, int(argument));
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
        return pipe_size(*description, command, argument);
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        return fcntl_record_lock(fd, *description, command, argument);
    default:
        // Leases, owners and seals are not provided.
        return Error(EINVAL);
    }
}

static ErrorOr<long> sync_descriptor(int fd)
{
    auto description = TRY(usable_description_for(fd));
    // fsync(2): "EINVAL fd is bound to a special file (e.g., a pipe, FIFO, or socket) which
    // does not support synchronization." ramfs has nothing to write back.
    if (!description->inode().can_sync())
        return Error(EINVAL);
    return 0;
}

}

using namespace fs::syscalls;

// close(2). The description goes when its last descriptor does.
SYSCALL_HANDLER(close)
{
    TRY(fs::current_fd_table().close(args.as_int(0)));
    return 0;
}

// dup(2): the lowest free descriptor, close-on-exec clear.
SYSCALL_HANDLER(dup)
{
    auto& table = fs::current_fd_table();
    auto description = TRY(table.get(args.as_int(0)));
    return TRY(table.allocate(std::move(description), false));
}

// dup2(2): "If oldfd is a valid file descriptor, and newfd has the same value as oldfd, then
// dup2() does nothing, and returns newfd." A newfd outside the limit is EBADF.
SYSCALL_HANDLER(dup2)
{
    auto& table = fs::current_fd_table();
    int old_fd = args.as_int(0);
    int new_fd = args.as_int(1);
    TRY(table.get(old_fd));
    if (old_fd == new_fd)
        return new_fd;
    return TRY(table.duplicate_to(old_fd, new_fd, false));
}

// dup3(2): like dup2 but "EINVAL oldfd was equal to newfd" and "flags contain an invalid
// value" (only O_CLOEXEC is valid).
SYSCALL_HANDLER(dup3)
{
    auto& table = fs::current_fd_table();
    int old_fd = args.as_int(0);
    int new_fd = args.as_int(1);
    int flags = args.as_int(2);
    if (flags & ~O_CLOEXEC)
        return Error(EINVAL);
    if (old_fd == new_fd)
        return Error(EINVAL);
    return TRY(table.duplicate_to(old_fd, new_fd, flags & O_CLOEXEC));
}

// fcntl(2): F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETPIPE_SZ,
// F_SETPIPE_SZ, and the record locks (lock.cpp); every other command is EINVAL.
SYSCALL_HANDLER(fcntl) { return fcntl(args.as_int(0), args.as_int(1), args[2]); }

// close_range(2): "EINVAL ... last is less than first", unknown flags are EINVAL.
// CLOSE_RANGE_CLOEXEC marks instead of closing. CLOSE_RANGE_UNSHARE has nothing to do while
// descriptor tables are never shared between processes (CLONE_FILES is not supported yet).
SYSCALL_HANDLER(close_range)
{
    unsigned first = unsigned(args[0]);
    unsigned last = unsigned(args[1]);
    unsigned flags = unsigned(args[2]);
    if (flags & ~unsigned(fs::close_range_unshare | fs::close_range_cloexec))
        return Error(EINVAL);
    if (first > last)
        return Error(EINVAL);
    fs::current_fd_table().close_range(first, last, flags & fs::close_range_cloexec);
    return 0;
}

// fsync(2), fdatasync(2): nothing to write back from memory; EINVAL for files that cannot be
// synchronized (terminals, devices), as on Linux.
SYSCALL_HANDLER(fsync) { return sync_descriptor(args.as_int(0)); }
SYSCALL_HANDLER(fdatasync) { return sync_descriptor(args.as_int(0)); }
