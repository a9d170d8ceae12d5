#include <fs/abi.h>

#include "support.h"

using namespace fs::syscalls;

// ioctl(2). The requests Linux's do_vfs_ioctl() handles for every file come first (FIOCLEX,
// FIONCLEX, FIONBIO, and FIONREAD on regular files); the rest go to the file's inode, where
// the console answers the terminal requests of ioctl_tty(2) and everything else is ENOTTY.
SYSCALL_HANDLER(ioctl)
{
    int fd = args.as_int(0);
    unsigned long request = unsigned(args[1]);
    uintptr_t argument = args[2];
    auto description = TRY(usable_description_for(fd));
    switch (request) {
    case FIOCLEX:
        TRY(fs::current_fd_table().set_close_on_exec(fd, true));
        return 0;
    case FIONCLEX:
        TRY(fs::current_fd_table().set_close_on_exec(fd, false));
        return 0;
    case FIONBIO: {
        int value = TRY(UserPtr<int>(argument).read());
        int flags = description->flags();
        description->set_status_flags(value ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
        return 0;
    }
    case FIONREAD:
        if (description->inode().is_regular_file()) {
            uint64_t size = description->inode().size();
            uint64_t offset = description->offset();
            int available = offset < size ? int(size - offset > 0x7fffffff ? 0x7fffffff : size - offset) : 0;
            TRY(UserPtr<int>(argument).write(available));
            return 0;
        }
        break;
    default:
        break;
    }
    return description->ioctl(request, argument);
}
