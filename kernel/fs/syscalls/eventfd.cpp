#include <fs/eventfd.h>

#include "support.h"

namespace fs::syscalls {

// eventfd2(2), Linux's do_eventfd(): "EINVAL An unsupported value was specified in flags."
static ErrorOr<long> make_eventfd(uint32_t initial, int flags)
{
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | efd_semaphore))
        return Error(EINVAL);
    auto& table = current_fd_table();
    TRY(table.check_can_allocate());
    auto description = TRY(create_eventfd(initial, flags));
    return TRY(table.allocate(std::move(description), flags & O_CLOEXEC));
}

}

using namespace fs::syscalls;

// eventfd(2), eventfd2(2): the old call takes no flags.
SYSCALL_HANDLER(eventfd) { return make_eventfd(uint32_t(args[0]), 0); }
SYSCALL_HANDLER(eventfd2) { return make_eventfd(uint32_t(args[0]), args.as_int(1)); }
