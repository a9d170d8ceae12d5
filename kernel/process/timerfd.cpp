// timerfd_create(2): timers that tell of their expiries through a file descriptor, readable
// through read, poll, select and epoll.
#include <new>

#include <fs/anonymous_inodes.h>
#include <plat/clock.h>
#include <process/timerfd.h>

namespace process {

namespace {

int64_t monotonic_now() { return int64_t(plat::monotonic_nanoseconds()); }

int64_t saturating_add(int64_t a, uint64_t b)
{
    int64_t sum;
    if (b > uint64_t(INT64_MAX) || __builtin_add_overflow(a, int64_t(b), &sum))
        return INT64_MAX;
    return sum;
}

}

TimerFd::TimerFd(int clock)
    : Inode(fs::anonymous_inode_file_system(fs::AnonymousInodeKind::TimerFd), 0600)
    , m_clock(clock)
{
    // Anonymous inodes have no file type bits (fstat(2) shows mode 0600) and one link.
    m_link_count = 1;
}

ErrorOr<RefPtr<TimerFd>> TimerFd::create(int clock)
{
    auto* pointer = new (std::nothrow) TimerFd(clock);
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<TimerFd>::adopt(pointer);
}

TimerFd* TimerFd::from(fs::Inode& inode)
{
    return fs::is_anonymous_inode_of(inode, fs::AnonymousInodeKind::TimerFd) ? static_cast<TimerFd*>(&inode) : nullptr;
}

// timerfd_tmrproc(), from the timer interrupt: count, wake, nothing more.
void TimerFd::expired(void* argument)
{
    auto* timer = static_cast<TimerFd*>(argument);
    timer->m_expired = true;
    ++timer->m_ticks;
    timer->m_readers.wake_all();
    timer->m_poll_queue.notify(fs::poll_in);
}

void TimerFd::arm()
{
    m_timer.arm(m_expiry > 0 ? uint64_t(m_expiry) : 1, expired, this);
}

void TimerFd::forward_expired()
{
    if (!m_expired || !m_interval)
        return;
    m_expired = false;
    int64_t now = monotonic_now();
    if (now >= m_expiry) {
        uint64_t periods = uint64_t(now - m_expiry) / m_interval + 1;
        uint64_t distance;
        if (__builtin_mul_overflow(periods, m_interval, &distance))
            distance = UINT64_MAX;
        m_expiry = saturating_add(m_expiry, distance);
        // The first of them was counted when the timer fired.
        m_ticks += periods - 1;
    }
    arm();
}

Itimerspec TimerFd::current()
{
    forward_expired();
    int64_t remaining = m_expiry - monotonic_now();
    return { to_timespec(m_interval), to_timespec(remaining > 0 ? uint64_t(remaining) : 0) };
}

// timerfd_setup(): "If both fields of new_value.it_value are specified as zero, then the timer
// is disarmed." Absolute real times become monotonic ones at arming; nothing sets the real-time
// clock here, so TFD_TIMER_CANCEL_ON_SET never has a change to report.
Itimerspec TimerFd::set(uint64_t value, uint64_t interval, int flags)
{
    Itimerspec previous = current();
    m_timer.cancel();
    m_ticks = 0;
    m_expired = false;
    m_interval = interval;
    if (!value) {
        m_expiry = 0;
        return previous;
    }
    int64_t now = monotonic_now();
    if (!(flags & tfd_timer_abstime))
        m_expiry = saturating_add(now, value);
    else if (m_clock == clock_realtime || m_clock == clock_realtime_alarm)
        m_expiry = saturating_add(now - int64_t(plat::realtime_nanoseconds()), value);
    else
        m_expiry = value > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(value);
    arm();
    return previous;
}

// timerfd_read(): "If no timer expirations have occurred at the time of the read(2), then the
// call either blocks until the next timer expiration, or fails with the error EAGAIN if the file
// descriptor has been made nonblocking." A read of fewer than 8 bytes is EINVAL.
ErrorOr<size_t> TimerFd::read(fs::OpenFileDescription& description, uint64_t, fs::IoBuffer& buffer)
{
    if (buffer.size() < sizeof(uint64_t))
        return Error(EINVAL);
    while (!m_ticks) {
        if (description.is_nonblocking())
            return Error(EAGAIN);
        if (m_readers.wait() == sched::WakeReason::Interrupted)
            return Error(EINTR);
    }
    forward_expired();
    uint64_t ticks = m_ticks;
    m_ticks = 0;
    TRY(buffer.write(0, &ticks, sizeof(ticks)));
    return sizeof(ticks);
}

// timerfd_poll(): readable while expiries are waiting, never writable.
uint32_t TimerFd::poll_events(fs::OpenFileDescription const&) const { return m_ticks ? fs::poll_in : 0; }

ErrorOr<String> TimerFd::anonymous_path() const { return String::try_create("anon_inode:[timerfd]"); }

ErrorOr<RefPtr<fs::OpenFileDescription>> create_timerfd(int clock, int flags)
{
    auto timer = TRY(TimerFd::create(clock));
    return fs::OpenFileDescription::create(timer, O_RDWR | (flags & O_NONBLOCK));
}

}
