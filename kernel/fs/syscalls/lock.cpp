// flock(2): advisory whole-file locks held by open file descriptions; fcntl(2)'s record locks.
#include <fs/abi.h>
#include <fs/file_lock.h>
#include <fs/record_lock.h>

#include "lock.h"
#include "support.h"

namespace {

constexpr int lock_shared = 1, lock_exclusive = 2, lock_nonblocking = 4, lock_unlock = 8;

}

using namespace fs::syscalls;

// flock(2): "EBADF fd is not an open file descriptor"; "EINVAL operation is invalid";
// "EWOULDBLOCK The file is locked and the LOCK_NB flag was selected"; "EINTR While waiting to
// acquire a lock, the call was interrupted by delivery of a signal". Linux's flock() refuses
// O_PATH descriptors (EBADF) and takes a lock of either kind whatever the access mode.
SYSCALL_HANDLER(flock)
{
    auto description = TRY(usable_description_for(args.as_int(0)));
    int operation = args.as_int(1);
    fs::FileLockType type;
    switch (operation & ~lock_nonblocking) {
    case lock_shared:
        type = fs::FileLockType::Shared;
        break;
    case lock_exclusive:
        type = fs::FileLockType::Exclusive;
        break;
    case lock_unlock:
        type = fs::FileLockType::Unlock;
        break;
    default:
        return Error(EINVAL);
    }
    TRY(fs::lock_file(*description, type, !(operation & lock_nonblocking)));
    return 0;
}

namespace fs::syscalls {

namespace {

ErrorOr<RecordLockType> record_lock_type(int16_t type)
{
    switch (type) {
    case F_RDLCK:
        return RecordLockType::Read;
    case F_WRLCK:
        return RecordLockType::Write;
    case F_UNLCK:
        return RecordLockType::Unlock;
    default:
        return Error(EINVAL);
    }
}

}

// fcntl(2) F_GETLK, F_SETLK, F_SETLKW and their F_OFD_ forms, in the order Linux's
// fcntl_getlk() and fcntl_setlk() check: l_type (F_GETLK takes only F_RDLCK and F_WRLCK), the
// range, the access mode ("EBADF ... the type of lock requested is not compatible with the
// mode in which the file was opened"), then l_pid, which must be 0 for F_OFD_ commands.
// "EAGAIN ... the operation is prohibited because the file has been memory-mapped" does not
// apply; a conflict is EAGAIN (POSIX also allows EACCES; Linux returns EAGAIN). O_PATH
// descriptors are EBADF, as Linux's fcntl() allows them only F_DUPFD, F_GETFD, F_SETFD and
// F_GETFL.
ErrorOr<long> fcntl_record_lock(int fd, OpenFileDescription& description, int command, uintptr_t argument)
{
    if (description.is_path_only())
        return Error(EBADF);
    LinuxFlock flock;
    TRY(copy_from_user(&flock, argument, sizeof(flock)));
    bool is_test = command == F_GETLK || command == F_OFD_GETLK;
    bool for_description = command == F_OFD_GETLK || command == F_OFD_SETLK || command == F_OFD_SETLKW;
    if (is_test && flock.l_type != F_RDLCK && flock.l_type != F_WRLCK)
        return Error(EINVAL);
    auto& inode = description.inode();
    auto range = TRY(record_lock_range(flock.l_whence, flock.l_start, flock.l_len, int64_t(description.offset()), int64_t(inode.size())));
    auto type = TRY(record_lock_type(flock.l_type));
    if (!is_test) {
        if (type == RecordLockType::Read && !description.is_readable())
            return Error(EBADF);
        if (type == RecordLockType::Write && !description.is_writable())
            return Error(EBADF);
    }
    if (for_description && flock.l_pid != 0)
        return Error(EINVAL);
    auto& table = current_fd_table();
    auto owner = for_description ? RecordLockOwner::description(description) : RecordLockOwner::process(table, current_process_id());

    if (is_test) {
        auto conflict = test_record_lock(inode, owner, type, range);
        if (!conflict) {
            // Only l_type changes; the rest stays as the caller wrote it.
            flock.l_type = F_UNLCK;
        } else {
            flock.l_type = conflict->type == RecordLockType::Write ? F_WRLCK : F_RDLCK;
            flock.l_whence = SEEK_SET;
            flock.l_start = conflict->range.start;
            flock.l_len = record_lock_length(conflict->range);
            flock.l_pid = conflict->pid;
        }
        TRY(copy_to_user(argument, &flock, sizeof(flock)));
        return 0;
    }

    bool wait = command == F_SETLKW || command == F_OFD_SETLKW;
    TRY(set_record_lock(inode, owner, type, range, wait));
    // Another thread closed the descriptor while this one slept: as Linux's fcntl_setlk()
    // recovers from that race, drop what the close would have dropped.
    if (wait && !for_description && type != RecordLockType::Unlock) {
        auto now = table.get(fd);
        if (now.is_error() || now.value().ptr() != &description) {
            release_process_record_locks(table, inode);
            return Error(EBADF);
        }
    }
    return 0;
}

}
