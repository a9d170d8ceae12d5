#include <new>

#include <fs/anonymous_inodes.h>
#include <fs/epoll.h>

namespace fs {

// --- Items ------------------------------------------------------------------------------------

uint32_t EpollItem::current_events() const
{
    return m_description->inode().poll_events(*m_description) & events;
}

// ep_poll_callback(): a disabled one-shot item and a change of a kind the item does not ask for
// are ignored; otherwise the item goes on the ready list (once) and waiters wake.
void EpollItem::readiness_changed(uint32_t changed)
{
    if (!(events & ~epoll_private_bits))
        return;
    if (changed && !(changed & events))
        return;
    m_epoll.make_ready(*this);
}

// eventpoll_release(): the description's last reference is going.
void EpollItem::description_closing(OpenFileDescription&)
{
    m_epoll.destroy(*this);
}

// --- The instance -----------------------------------------------------------------------------

EpollInstance::EpollInstance()
    : Inode(anonymous_inode_file_system(AnonymousInodeKind::Epoll), 0600)
{
    // Anonymous inodes have no file type bits (fstat(2) shows mode 0600) and one link.
    m_link_count = 1;
}

ErrorOr<RefPtr<EpollInstance>> EpollInstance::create()
{
    auto* pointer = new (std::nothrow) EpollInstance();
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<EpollInstance>::adopt(pointer);
}

EpollInstance::~EpollInstance()
{
    while (auto* item = m_items.first())
        destroy(*item);
    m_waiters.wake_all();
}

EpollInstance* EpollInstance::from(Inode& inode)
{
    if (!is_anonymous_inode_of(inode, AnonymousInodeKind::Epoll))
        return nullptr;
    return static_cast<EpollInstance*>(&inode);
}

EpollItem* EpollInstance::find(int fd, OpenFileDescription& description) const
{
    for (auto& item : m_items) {
        if (item.m_fd == fd && item.m_description == &description)
            return &item;
    }
    return nullptr;
}

void EpollInstance::make_ready(EpollItem& item)
{
    if (!item.ready_node.is_linked())
        m_ready.append(item);
    m_waiters.wake_all();
    m_poll_queue.notify(poll_in | poll_rdnorm);
}

void EpollInstance::destroy(EpollItem& item)
{
    item.stop_listening();
    IntrusiveList<EpollItem, &EpollItem::ready_node>::remove(item);
    IntrusiveList<EpollItem, &EpollItem::item_node>::remove(item);
    OpenFileDescription::remove_watch(item);
    --m_item_count;
    delete &item;
}

int EpollInstance::nesting_depth(EpollInstance const& target, bool& target_seen, int level) const
{
    int deepest = 0;
    // Past the limit the answer is ELOOP anyway; stop before recursing without end.
    if (level > epoll_max_nests + 1)
        return deepest;
    for (auto& item : m_items) {
        auto* inner = from(item.description().inode());
        if (!inner)
            continue;
        if (inner == &target) {
            target_seen = true;
            return deepest;
        }
        int depth = 1 + inner->nesting_depth(target, target_seen, level + 1);
        if (target_seen)
            return depth;
        if (depth > deepest)
            deepest = depth;
    }
    return deepest;
}

// ep_insert(): the file is looked at once, so an item that is ready already is reported
// without waiting for a change.
ErrorOr<void> EpollInstance::add(int fd, OpenFileDescription& description, uint32_t events, uint64_t data)
{
    auto* queue = description.inode().poll_queue();
    if (!queue)
        return Error(EPERM);
    if (&description.inode() == this)
        return Error(EINVAL);
    if (find(fd, description))
        return Error(EEXIST);
    // ep_loop_check(): no cycle, and no deeper than epoll_max_nests below.
    if (auto* inner = from(description.inode())) {
        bool loops = false;
        int depth = 1 + inner->nesting_depth(*this, loops, 1);
        if (loops || depth > epoll_max_nests)
            return Error(ELOOP);
    }
    auto* item = new (std::nothrow) EpollItem(*this, fd, description);
    if (!item)
        return Error(ENOMEM);
    item->events = events | poll_err | poll_hup;
    item->data = data;
    m_items.append(*item);
    ++m_item_count;
    description.add_watch(*item);
    item->listen(*queue);
    if (item->current_events())
        make_ready(*item);
    return {};
}

// ep_modify(): new events and data, and a look at the file as on insertion. A one-shot item
// that fired is re-armed this way.
ErrorOr<void> EpollInstance::modify(int fd, OpenFileDescription& description, uint32_t events, uint64_t data)
{
    auto* item = find(fd, description);
    if (!item)
        return Error(ENOENT);
    // An item added with EPOLLEXCLUSIVE cannot be modified.
    if (item->events & epoll_exclusive)
        return Error(EINVAL);
    item->events = events | poll_err | poll_hup;
    item->data = data;
    if (item->current_events())
        make_ready(*item);
    return {};
}

ErrorOr<void> EpollInstance::remove(int fd, OpenFileDescription& description)
{
    auto* item = find(fd, description);
    if (!item)
        return Error(ENOENT);
    destroy(*item);
    return {};
}

namespace {

class KernelSink final : public EpollEventSink {
public:
    explicit KernelSink(std::span<EpollEvent> events)
        : m_events(events)
    {
    }
    ErrorOr<void> put(size_t index, EpollEvent const& event) override
    {
        m_events[index] = event;
        return {};
    }

private:
    std::span<EpollEvent> m_events;
};

}

// ep_send_events(): each ready item is looked at again and reported with what it really has;
// level-triggered ones go back at the end of the ready list (after this pass), one-shot ones
// are disabled until modified, and an item whose event could not be stored stays first.
ErrorOr<size_t> EpollInstance::collect(EpollEventSink& sink, size_t max_events)
{
    size_t count = 0;
    IntrusiveList<EpollItem, &EpollItem::ready_node> again;
    while (count < max_events) {
        auto* item = m_ready.take_first();
        if (!item)
            break;
        uint32_t ready = item->current_events();
        if (!ready)
            continue;
        if (auto stored = sink.put(count, EpollEvent { ready, item->data }); stored.is_error()) {
            IntrusiveList<EpollItem, &EpollItem::ready_node> rest;
            while (auto* other = m_ready.take_first())
                rest.append(*other);
            m_ready.append(*item);
            while (auto* other = rest.take_first())
                m_ready.append(*other);
            if (!count) {
                while (auto* other = again.take_first())
                    m_ready.append(*other);
                return stored.release_error();
            }
            break;
        }
        ++count;
        if (item->events & epoll_oneshot)
            item->events &= epoll_private_bits;
        else if (!(item->events & epoll_et))
            again.append(*item);
    }
    while (auto* item = again.take_first())
        m_ready.append(*item);
    return count;
}

ErrorOr<size_t> EpollInstance::wait(EpollEventSink& sink, size_t max_events, PollDeadline deadline)
{
    bool timed_out = deadline.is_immediate();
    for (;;) {
        size_t count = TRY(collect(sink, max_events));
        if (count || timed_out)
            return count;
        auto reason = m_waiters.wait(deadline.wait_argument());
        if (reason == sched::WakeReason::Interrupted)
            return Error(EINTR);
        if (reason == sched::WakeReason::TimedOut)
            timed_out = true;
    }
}

size_t EpollInstance::collect(std::span<EpollEvent> events)
{
    KernelSink sink(events);
    return MUST(collect(sink, events.size()));
}

ErrorOr<size_t> EpollInstance::wait(std::span<EpollEvent> events, PollDeadline deadline)
{
    KernelSink sink(events);
    return wait(sink, events.size(), deadline);
}

// ep_eventpoll_poll(): readable while an item on the ready list really has events.
uint32_t EpollInstance::poll_events(OpenFileDescription const&) const
{
    for (auto& item : m_ready) {
        if (item.current_events())
            return poll_in | poll_rdnorm;
    }
    return 0;
}

}
