#pragma once

// Shared by the readiness syscalls (ppoll, pselect6, epoll_pwait, epoll_pwait2): timeouts in
// their three user forms and the signal mask they apply while they wait.

#include <cstdint>

#include <fs/poll.h>
#include <lib/user_memory.h>
#include <sched/thread.h>
#include <signal/signal_state.h>

namespace fs::syscalls {

constexpr uint64_t nanoseconds_per_second = 1'000'000'000;

struct UserTimespec {
    int64_t seconds;
    int64_t nanoseconds;
};

// poll(2) and epoll_wait(2) milliseconds: negative waits for ever, 0 not at all.
inline PollDeadline deadline_from_milliseconds(int milliseconds)
{
    if (milliseconds < 0)
        return PollDeadline::never();
    return PollDeadline::after(uint64_t(milliseconds) * 1'000'000);
}

// A struct timespec timeout (ppoll, pselect6, epoll_pwait2): null waits for ever; EINVAL
// unless timespec64_valid() (seconds not negative, nanoseconds within a second).
inline ErrorOr<PollDeadline> deadline_from_timespec(UserTimespec const& time)
{
    if (time.seconds < 0 || time.nanoseconds < 0 || uint64_t(time.nanoseconds) >= nanoseconds_per_second)
        return Error(EINVAL);
    if (uint64_t(time.seconds) > UINT64_MAX / 2 / nanoseconds_per_second)
        return PollDeadline::never();
    return PollDeadline::after(uint64_t(time.seconds) * nanoseconds_per_second + uint64_t(time.nanoseconds));
}

// ppoll(2) and pselect6(2) write the time left back (poll_select_finish()): only when a
// timeout other than zero was given, and a failed copy is ignored.
inline UserTimespec time_left(PollDeadline deadline)
{
    uint64_t left = deadline.remaining();
    return { int64_t(left / nanoseconds_per_second), int64_t(left % nanoseconds_per_second) };
}

// The signal mask of ppoll(2), pselect6(2) and epoll_pwait(2): "ppoll() ... allows an
// application to safely wait until either a file descriptor becomes ready or until a signal
// is caught": the mask replaces the thread's for the call. set_user_sigmask(): a null mask
// changes nothing; otherwise the size must be sizeof(sigset_t) (EINVAL) and the mask readable
// (EFAULT). Afterwards, restore_saved_sigmask_unless(): when the call was interrupted the
// temporary mask stays until the signal is delivered (so the handler runs under it and the
// old mask comes back with the handler's frame), otherwise it goes at once.
class TemporarySignalMask {
public:
    TemporarySignalMask() = default;
    TemporarySignalMask(TemporarySignalMask const&) = delete;
    TemporarySignalMask& operator=(TemporarySignalMask const&) = delete;
    ~TemporarySignalMask() { finish(false); }

    ErrorOr<void> apply(uintptr_t mask_address, size_t size)
    {
        if (!mask_address)
            return {};
        if (size != sizeof(uint64_t))
            return Error(EINVAL);
        uint64_t mask = TRY(UserPtr<uint64_t>(mask_address).read());
        auto& thread = sched::current_thread();
        thread.saved_signal_mask = thread.signal_mask;
        thread.signal_mask = mask & ~signal::unblockable;
        m_applied = true;
        return {};
    }

    template<typename T>
    ErrorOr<T> finish(ErrorOr<T>&& result)
    {
        finish(result.is_error() && result.error().code() == EINTR);
        return std::move(result);
    }

private:
    void finish(bool interrupted)
    {
        if (!m_applied)
            return;
        m_applied = false;
        auto& thread = sched::current_thread();
        if (interrupted)
            thread.restore_saved_signal_mask = true;
        else
            thread.signal_mask = thread.saved_signal_mask;
    }

    bool m_applied { false };
};

}
