// flock(2): advisory whole-file locks held by open file descriptions.
#include <fs/file_lock.h>

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
