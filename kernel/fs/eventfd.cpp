// eventfd(2): a counter that processes and threads signal each other through, readable and
// writable through read, write, poll, select and epoll. Linux's fs/eventfd.c.
#include <new>

#include <fs/anonymous_inodes.h>
#include <fs/eventfd.h>
#include <fs/open_file_description.h>

namespace fs {

uint64_t EventCounter::take()
{
    uint64_t taken = m_is_semaphore ? 1 : m_value;
    m_value -= taken;
    return taken;
}

EventFd::EventFd(uint64_t initial, bool is_semaphore)
    : Inode(anonymous_inode_file_system(AnonymousInodeKind::EventFd), 0600)
    , m_counter(initial, is_semaphore)
{
    // Anonymous inodes have no file type bits (fstat(2) shows mode 0600) and one link.
    m_link_count = 1;
}

ErrorOr<RefPtr<EventFd>> EventFd::create(uint64_t initial, bool is_semaphore)
{
    auto* pointer = new (std::nothrow) EventFd(initial, is_semaphore);
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<EventFd>::adopt(pointer);
}

// eventfd_read(): "If the eventfd counter is zero at the time of the call to read(2), then the
// call either blocks until the counter becomes nonzero (at which time, the read(2) proceeds as
// described above) or fails with the error EAGAIN if the file descriptor has been made
// nonblocking." The value is taken before it is copied out, so a bad buffer loses it (EFAULT),
// as on Linux.
ErrorOr<size_t> EventFd::read(OpenFileDescription& description, uint64_t, IoBuffer& buffer)
{
    if (buffer.size() < sizeof(uint64_t))
        return Error(EINVAL);
    while (!m_counter.can_take()) {
        if (description.is_nonblocking())
            return Error(EAGAIN);
        if (m_read_queue.wait() == sched::WakeReason::Interrupted)
            return Error(EINTR);
    }
    uint64_t value = m_counter.take();
    m_write_queue.wake_all();
    m_poll_queue.notify(poll_out | poll_wrnorm);
    TRY(buffer.write(0, &value, sizeof(value)));
    return sizeof(value);
}

// eventfd_write(): "The write(2) fails with the error EINVAL if the size of the supplied buffer
// is less than 8 bytes, or if an attempt is made to write the value 0xffffffffffffffff." Linux
// refuses longer buffers too (its check is count != 8), unlike reads; we do as it does. A
// write that would take the counter past the maximum blocks, or fails with EAGAIN. Adding 0
// succeeds and still wakes the readers and pollers, as on Linux.
ErrorOr<size_t> EventFd::write(OpenFileDescription& description, uint64_t, IoBuffer& buffer)
{
    if (buffer.size() != sizeof(uint64_t))
        return Error(EINVAL);
    uint64_t amount = 0;
    TRY(buffer.read(0, &amount, sizeof(amount)));
    if (amount == ~uint64_t(0))
        return Error(EINVAL);
    while (!m_counter.can_add(amount)) {
        if (description.is_nonblocking())
            return Error(EAGAIN);
        if (m_write_queue.wait() == sched::WakeReason::Interrupted)
            return Error(EINTR);
    }
    m_counter.add(amount);
    m_read_queue.wake_all();
    m_poll_queue.notify(poll_in | poll_rdnorm);
    return sizeof(amount);
}

// eventfd_poll(): readable above zero, writable while at least 1 can be added.
uint32_t EventFd::poll_events(OpenFileDescription const&) const
{
    uint32_t events = 0;
    if (m_counter.can_take())
        events |= poll_in | poll_rdnorm;
    if (m_counter.can_add(1))
        events |= poll_out | poll_wrnorm;
    return events;
}

ErrorOr<String> EventFd::anonymous_path() const { return String::try_create("anon_inode:[eventfd]"); }

ErrorOr<RefPtr<OpenFileDescription>> create_eventfd(uint32_t initial, int flags)
{
    auto eventfd = TRY(EventFd::create(initial, flags & efd_semaphore));
    return OpenFileDescription::create(eventfd, O_RDWR | (flags & O_NONBLOCK));
}

}
