#include <new>

#include <fs/fd_table.h>
#include <fs/record_lock.h>

namespace fs {

ErrorOr<RefPtr<FdTable>> FdTable::create()
{
    auto* pointer = new (std::nothrow) FdTable();
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<FdTable>::adopt(pointer);
}

// The process's record locks go as the descriptions leave (exit, or a table given up).
FdTable::~FdTable() { close_all(); }

// Every close of a descriptor, even of one that another descriptor or process still shares,
// drops the process's record locks on the file: POSIX's rule, Linux's locks_remove_posix() in
// filp_close().
void FdTable::release(Slot& slot)
{
    auto description = std::move(slot.description);
    slot.close_on_exec = false;
    if (description)
        release_process_record_locks(*this, description->inode());
}

ErrorOr<void> FdTable::ensure_slots(size_t count)
{
    if (count <= m_slots.size())
        return {};
    TRY(m_slots.try_ensure_capacity(count));
    while (m_slots.size() < count)
        TRY(m_slots.try_append(Slot {}));
    return {};
}

ErrorOr<int> FdTable::allocate(RefPtr<OpenFileDescription> description, bool close_on_exec, int minimum)
{
    if (minimum < 0 || size_t(minimum) >= m_limit)
        return Error(EINVAL);
    size_t fd = size_t(minimum);
    while (fd < m_slots.size() && m_slots[fd].description)
        ++fd;
    if (fd >= m_limit)
        return Error(EMFILE);
    TRY(ensure_slots(fd + 1));
    m_slots[fd] = Slot { std::move(description), close_on_exec };
    return int(fd);
}

ErrorOr<void> FdTable::check_can_allocate() const
{
    for (size_t fd = 0; fd < m_limit; ++fd) {
        if (fd >= m_slots.size() || !m_slots[fd].description)
            return {};
    }
    return Error(EMFILE);
}

ErrorOr<RefPtr<OpenFileDescription>> FdTable::get(int fd) const
{
    if (!is_open(fd))
        return Error(EBADF);
    return m_slots[size_t(fd)].description;
}

ErrorOr<void> FdTable::close(int fd)
{
    if (!is_open(fd))
        return Error(EBADF);
    // release() takes the reference out first: dropping it may run an inode's close hook.
    release(m_slots[size_t(fd)]);
    return {};
}

ErrorOr<void> FdTable::install(int fd, RefPtr<OpenFileDescription> description, bool close_on_exec)
{
    if (fd < 0 || size_t(fd) >= m_limit)
        return Error(EBADF);
    TRY(ensure_slots(size_t(fd) + 1));
    auto& slot = m_slots[size_t(fd)];
    // The previous description is released only after the slot is updated.
    auto previous = std::move(slot.description);
    slot.description = std::move(description);
    slot.close_on_exec = close_on_exec;
    if (previous)
        release_process_record_locks(*this, previous->inode());
    return {};
}

ErrorOr<int> FdTable::duplicate_to(int old_fd, int new_fd, bool close_on_exec)
{
    auto description = TRY(get(old_fd));
    TRY(install(new_fd, std::move(description), close_on_exec));
    return new_fd;
}

ErrorOr<bool> FdTable::close_on_exec(int fd) const
{
    if (!is_open(fd))
        return Error(EBADF);
    return m_slots[size_t(fd)].close_on_exec;
}

ErrorOr<void> FdTable::set_close_on_exec(int fd, bool value)
{
    if (!is_open(fd))
        return Error(EBADF);
    m_slots[size_t(fd)].close_on_exec = value;
    return {};
}

void FdTable::close_range(unsigned first, unsigned last, bool only_set_close_on_exec)
{
    for (size_t fd = first; fd < m_slots.size() && fd <= last; ++fd) {
        auto& slot = m_slots[fd];
        if (!slot.description)
            continue;
        if (only_set_close_on_exec)
            slot.close_on_exec = true;
        else
            release(slot);
    }
}

ErrorOr<RefPtr<FdTable>> FdTable::try_clone() const
{
    auto clone = TRY(create());
    clone->m_limit = m_limit;
    TRY(clone->ensure_slots(m_slots.size()));
    for (size_t fd = 0; fd < m_slots.size(); ++fd)
        clone->m_slots[fd] = Slot { m_slots[fd].description, m_slots[fd].close_on_exec };
    return clone;
}

void FdTable::close_on_exec_all()
{
    for (auto& slot : m_slots) {
        if (slot.description && slot.close_on_exec)
            release(slot);
    }
}

void FdTable::close_all()
{
    for (auto& slot : m_slots)
        release(slot);
}

size_t FdTable::open_count() const
{
    size_t count = 0;
    for (auto const& slot : m_slots)
        count += slot.description ? 1 : 0;
    return count;
}

int FdTable::next_open(int fd) const
{
    for (size_t index = fd < 0 ? 0 : size_t(fd); index < m_slots.size(); ++index) {
        if (m_slots[index].description)
            return int(index);
    }
    return -1;
}

}
