// inotify(7): watches on inodes and the queue of their events, read as struct inotify_event
// records. Linux's fs/notify/inotify/. The VFS reports events through fs/fsnotify.h; each
// watched inode carries a WatchList (its NotifyMarks) naming the watches on it.
#include <algorithm>
#include <cstring>
#include <new>

#include <fs/anonymous_inodes.h>
#include <fs/inotify.h>
#include <fs/open_file_description.h>
#include <lib/user_memory.h>

namespace fs {

void InotifyEventQueue::push(Event&& event)
{
    size_t size = record_size(event.name.length());
    if (m_events.try_append(std::move(event)).is_error())
        return;
    m_pending_bytes += size;
}

// fsnotify_insert_event() with inotify_merge(): the overflow check comes first, then an event
// equal to the last one queued (not IN_IGNORED) is dropped. The cookie is not compared.
void InotifyEventQueue::enqueue(int32_t wd, uint32_t mask, uint32_t cookie, std::string_view name)
{
    bool overflowed = event_count() >= m_max_events;
    if (!overflowed && !is_empty()) {
        auto const& last = m_events.last();
        if (!(last.mask & in_ignored) && last.mask == mask && last.wd == wd && last.name.view() == name)
            return;
    }
    Event event { wd, mask, cookie, {} };
    if (!overflowed && !name.empty()) {
        auto copied = String::try_create(name);
        if (copied.is_error())
            overflowed = true;
        else
            event.name = copied.release_value();
    }
    if (overflowed) {
        // One overflow event at the end of the queue stands for everything lost.
        if (!is_empty() && m_events.last().mask == in_q_overflow)
            return;
        push(Event { -1, in_q_overflow, 0, {} });
        return;
    }
    push(std::move(event));
}

ErrorOr<size_t> InotifyEventQueue::read(IoBuffer& buffer)
{
    size_t written = 0;
    while (!is_empty()) {
        auto& event = m_events[m_head];
        size_t name_length = event.name.length();
        size_t size = record_size(name_length);
        if (size > buffer.size() - written) {
            if (written == 0)
                return Error(EINVAL);
            break;
        }
        uint8_t record[header_size + 256 + 16] = {};
        uint32_t padded = uint32_t(size - header_size);
        memcpy(record, &event.wd, 4);
        memcpy(record + 4, &event.mask, 4);
        memcpy(record + 8, &event.cookie, 4);
        memcpy(record + 12, &padded, 4);
        if (name_length)
            memcpy(record + header_size, event.name.view().data(), name_length);
        TRY(buffer.write(written, record, size));
        written += size;
        m_pending_bytes -= size;
        event.name = String();
        ++m_head;
    }
    if (m_head == m_events.size()) {
        m_events.clear();
        m_head = 0;
    } else if (m_head >= 64 && m_head * 2 >= m_events.size()) {
        size_t remaining = m_events.size() - m_head;
        for (size_t index = 0; index < remaining; ++index)
            m_events[index] = std::move(m_events[m_head + index]);
        m_events.shrink(remaining);
        m_head = 0;
    }
    return written;
}

namespace {

// The watches on one inode, of every instance (Linux's fsnotify_mark_connector).
class WatchList final : public NotifyMarks {
public:
    Vector<InotifyInstance::Watch*> watches;

    void handle_event(Inode&, uint32_t mask, uint32_t cookie, std::string_view name, Inode const* child) override
    {
        Vector<InotifyInstance::Watch*> ending;
        for (auto* watch : watches) {
            uint32_t events = mask & watch->mask & in_all_events;
            if (!events)
                continue;
            // IN_EXCL_UNLINK: no events on a directory's entries that have been unlinked.
            if (!name.empty() && (watch->mask & in_excl_unlink) && child && child->link_count() == 0 && !(mask & (in_delete | in_moved_from)))
                continue;
            watch->instance->queue_event(watch->wd, events | (mask & in_isdir), cookie, name);
            if (watch->mask & in_oneshot)
                (void)ending.try_append(watch);
        }
        // Ending a watch may free this list: nothing of it is touched afterwards.
        for (auto* watch : ending)
            watch->instance->end_watch(*watch, true);
    }

    void inode_removed(Inode& inode) override
    {
        handle_event(inode, in_delete_self, 0, {}, nullptr);
        while (auto* marks = static_cast<WatchList*>(inode.notify_marks()))
            marks->watches[0]->instance->end_watch(*marks->watches[0], true);
    }
};

}

InotifyInstance::InotifyInstance()
    : Inode(anonymous_inode_file_system(AnonymousInodeKind::Inotify), 0600)
{
    m_link_count = 1;
}

InotifyInstance::~InotifyInstance()
{
    while (!m_watches.is_empty())
        end_watch(*m_watches.last(), false);
}

ErrorOr<RefPtr<InotifyInstance>> InotifyInstance::create()
{
    auto* pointer = new (std::nothrow) InotifyInstance();
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<InotifyInstance>::adopt(pointer);
}

InotifyInstance* InotifyInstance::from(Inode& inode)
{
    if (!is_anonymous_inode_of(inode, AnonymousInodeKind::Inotify))
        return nullptr;
    return static_cast<InotifyInstance*>(&inode);
}

InotifyInstance::Watch* InotifyInstance::find_watch(Inode& inode)
{
    auto* list = static_cast<WatchList*>(inode.notify_marks());
    if (!list)
        return nullptr;
    for (auto* watch : list->watches) {
        if (watch->instance == this)
            return watch;
    }
    return nullptr;
}

// inotify_update_watch(): an inode already watched keeps its descriptor.
ErrorOr<int> InotifyInstance::add_watch(Inode& inode, uint32_t mask)
{
    uint32_t kept = mask & (in_all_events | in_oneshot | in_excl_unlink);
    if (auto* watch = find_watch(inode)) {
        if (mask & in_mask_create)
            return Error(EEXIST);
        watch->mask = (mask & in_mask_add) ? watch->mask | kept : kept;
        return watch->wd;
    }
    auto* list = static_cast<WatchList*>(inode.notify_marks());
    bool new_list = !list;
    if (new_list) {
        list = new (std::nothrow) WatchList;
        if (!list)
            return Error(ENOMEM);
    }
    auto* watch = new (std::nothrow) Watch { m_next_wd, kept, RefPtr<Inode>(&inode), this };
    if (!watch || m_watches.try_ensure_capacity(m_watches.size() + 1).is_error() || list->watches.try_append(watch).is_error()) {
        delete watch;
        if (new_list)
            delete list;
        return Error(ENOMEM);
    }
    MUST(m_watches.try_append(watch));
    if (new_list)
        inode.set_notify_marks(list);
    return m_next_wd++;
}

ErrorOr<void> InotifyInstance::remove_watch(int wd)
{
    for (auto* watch : m_watches) {
        if (watch->wd == wd) {
            end_watch(*watch, true);
            return {};
        }
    }
    return Error(EINVAL);
}

void InotifyInstance::end_watch(Watch& watch, bool tell)
{
    if (tell)
        queue_event(watch.wd, in_ignored, 0, {});
    for (size_t index = 0; index < m_watches.size(); ++index) {
        if (m_watches[index] == &watch) {
            m_watches.remove(index);
            break;
        }
    }
    auto& inode = *watch.inode;
    auto* list = static_cast<WatchList*>(inode.notify_marks());
    for (size_t index = 0; index < list->watches.size(); ++index) {
        if (list->watches[index] == &watch) {
            list->watches.remove(index);
            break;
        }
    }
    if (list->watches.is_empty()) {
        inode.set_notify_marks(nullptr);
        delete list;
    }
    delete &watch;
}

void InotifyInstance::queue_event(int wd, uint32_t mask, uint32_t cookie, std::string_view name)
{
    m_queue.enqueue(wd, mask, cookie, name);
    m_read_queue.wake_all();
    m_poll_queue.notify(poll_in | poll_rdnorm);
}

// inotify_read(): waits for an event unless non-blocking; EINVAL when the buffer cannot hold
// the first one.
ErrorOr<size_t> InotifyInstance::read(OpenFileDescription& description, uint64_t, IoBuffer& buffer)
{
    while (m_queue.is_empty()) {
        if (description.is_nonblocking())
            return Error(EAGAIN);
        if (m_read_queue.wait() == sched::WakeReason::Interrupted)
            return Error(EINTR);
    }
    return m_queue.read(buffer);
}

// inotify_ioctl(): FIONREAD is the size of the queued records; anything else ENOTTY.
ErrorOr<long> InotifyInstance::ioctl(OpenFileDescription&, unsigned long request, uintptr_t argument)
{
    if (request != FIONREAD)
        return Error(ENOTTY);
    TRY(UserPtr<int>(argument).write(int(std::min<size_t>(m_queue.pending_bytes(), 0x7fffffff))));
    return 0;
}

uint32_t InotifyInstance::poll_events(OpenFileDescription const&) const
{
    return m_queue.is_empty() ? 0 : poll_in | poll_rdnorm;
}

void InotifyInstance::will_close(OpenFileDescription&)
{
    while (!m_watches.is_empty())
        end_watch(*m_watches.last(), false);
}

ErrorOr<String> InotifyInstance::anonymous_path() const { return String::try_create("anon_inode:inotify"); }

ErrorOr<RefPtr<OpenFileDescription>> create_inotify(int flags)
{
    auto instance = TRY(InotifyInstance::create());
    return OpenFileDescription::create(instance, O_RDONLY | (flags & O_NONBLOCK));
}

}
