#include <climits>
#include <new>

#include <fs/epoll.h>

#include "support.h"
#include "wait_support.h"

namespace fs::syscalls {

namespace {

ErrorOr<long> create_epoll(int flags)
{
    // epoll_create1(2): "EINVAL Invalid value specified in flags."
    if (flags & ~O_CLOEXEC)
        return Error(EINVAL);
    auto& table = current_fd_table();
    TRY(table.check_can_allocate());
    auto instance = TRY(EpollInstance::create());
    auto description = TRY(OpenFileDescription::create(std::move(instance), O_RDWR));
    return TRY(table.allocate(std::move(description), flags & O_CLOEXEC));
}

// The events EPOLLEXCLUSIVE may come with (EPOLLEXCLUSIVE_OK_BITS).
constexpr uint32_t exclusive_ok_bits = poll_in | poll_out | poll_rdnorm | poll_rdband | poll_wrnorm | poll_wrband | poll_msg
    | poll_err | poll_hup | epoll_wakeup | epoll_et | epoll_exclusive;

// do_epoll_ctl(), with its order of checks: the event is read first (EFAULT), then both
// descriptors (EBADF), a target that cannot be polled (EPERM: regular files, directories,
// /dev/null), an epfd that is not an epoll instance or is the target itself (EINVAL), the
// EPOLLEXCLUSIVE rules (EINVAL), and the operation (EEXIST, ENOENT, ELOOP, EINVAL for an
// unknown one).
ErrorOr<long> control(int epoll_fd, int operation, int fd, uintptr_t event_address)
{
    EpollEvent event {};
    bool has_event = operation != epoll_ctl_del;
    if (has_event)
        TRY(copy_from_user(&event, event_address, sizeof(event)));
    auto epoll_description = TRY(usable_description_for(epoll_fd));
    auto target = TRY(usable_description_for(fd));
    if (!target->inode().poll_queue())
        return Error(EPERM);
    auto* epoll = EpollInstance::from(epoll_description->inode());
    if (!epoll || epoll_description == target)
        return Error(EINVAL);
    if (has_event && (event.events & epoll_exclusive)) {
        if (operation == epoll_ctl_mod)
            return Error(EINVAL);
        if (operation == epoll_ctl_add && (EpollInstance::from(target->inode()) || (event.events & ~exclusive_ok_bits)))
            return Error(EINVAL);
    }
    switch (operation) {
    case epoll_ctl_add:
        TRY(epoll->add(fd, *target, event.events, event.data));
        return 0;
    case epoll_ctl_mod:
        TRY(epoll->modify(fd, *target, event.events, event.data));
        return 0;
    case epoll_ctl_del:
        TRY(epoll->remove(fd, *target));
        return 0;
    default:
        return Error(EINVAL);
    }
}

// The application's array of struct epoll_event.
class UserSink final : public EpollEventSink {
public:
    explicit UserSink(uintptr_t address)
        : m_address(address)
    {
    }
    ErrorOr<void> put(size_t index, EpollEvent const& event) override
    {
        return copy_to_user(m_address + index * sizeof(EpollEvent), &event, sizeof(event));
    }

private:
    uintptr_t m_address;
};

// do_epoll_wait(): "EINVAL ... maxevents is less than or equal to zero", the array must lie in
// application memory (EFAULT) before the descriptor is looked at (EBADF, EINVAL when not
// epoll); an event that cannot be stored is EFAULT unless some were stored before it.
ErrorOr<long> wait_for_events(int epoll_fd, uintptr_t events_address, int max_events, PollDeadline deadline)
{
    if (max_events <= 0 || size_t(max_events) > INT_MAX / sizeof(EpollEvent))
        return Error(EINVAL);
    if (!lib::is_user_range(events_address, size_t(max_events) * sizeof(EpollEvent)))
        return Error(EFAULT);
    auto description = TRY(usable_description_for(epoll_fd));
    auto* epoll = EpollInstance::from(description->inode());
    if (!epoll)
        return Error(EINVAL);
    UserSink sink(events_address);
    return long(TRY(epoll->wait(sink, size_t(max_events), deadline)));
}

}

}

using namespace fs::syscalls;

// epoll_create(2): "EINVAL size is not positive"; the size is otherwise ignored.
SYSCALL_HANDLER(epoll_create)
{
    if (args.as_int(0) <= 0)
        return Error(EINVAL);
    return create_epoll(0);
}

SYSCALL_HANDLER(epoll_create1) { return create_epoll(args.as_int(0)); }

// epoll_ctl(2): EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL; level- and edge-triggered,
// EPOLLONESHOT, EPOLLEXCLUSIVE (accepted with Linux's checks; every waiter is woken).
SYSCALL_HANDLER(epoll_ctl) { return control(args.as_int(0), args.as_int(1), args.as_int(2), args[3]); }

// epoll_wait(2), epoll_pwait(2) (with a signal mask in force while waiting), epoll_pwait2(2)
// (a timespec timeout, null for ever).
SYSCALL_HANDLER(epoll_wait) { return wait_for_events(args.as_int(0), args[1], args.as_int(2), deadline_from_milliseconds(args.as_int(3))); }

SYSCALL_HANDLER(epoll_pwait)
{
    TemporarySignalMask mask;
    TRY(mask.apply(args[4], size_t(args[5])));
    return mask.finish(wait_for_events(args.as_int(0), args[1], args.as_int(2), deadline_from_milliseconds(args.as_int(3))));
}

SYSCALL_HANDLER(epoll_pwait2)
{
    auto deadline = fs::PollDeadline::never();
    if (args[3])
        deadline = TRY(deadline_from_timespec(TRY(UserPtr<UserTimespec>(args[3]).read())));
    TemporarySignalMask mask;
    TRY(mask.apply(args[4], size_t(args[5])));
    return mask.finish(wait_for_events(args.as_int(0), args[1], args.as_int(2), deadline));
}
