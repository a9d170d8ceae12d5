// signalfd(2) and signalfd4(2): a descriptor that reads the caller's pending signals from a
// set instead of having them delivered, readable through read, poll, select and epoll.
#include <cstring>
#include <new>

#include <fs/fd_table.h>
#include <fs/inode.h>
#include <fs/io_buffer.h>
#include <fs/open_file_description.h>
#include <fs/poll.h>
#include <lib/user_memory.h>
#include <process/process.h>
#include <sched/wait_queue.h>
#include <signal/delivery.h>
#include <signal/signal_state.h>
#include <syscall/syscall.h>

namespace signal {

namespace {

class SignalFdFileSystem final : public fs::FileSystem {
public:
    SignalFdFileSystem()
        : FileSystem(14)
    {
    }
};

alignas(SignalFdFileSystem) unsigned char s_file_system_storage[sizeof(SignalFdFileSystem)];
SignalFdFileSystem* s_file_system;

fs::FileSystem& signalfd_file_system()
{
    if (!s_file_system)
        s_file_system = new (s_file_system_storage) SignalFdFileSystem();
    return *s_file_system;
}

struct SignalFdInfo {
    uint32_t signo;
    int32_t error;
    int32_t code;
    uint32_t pid;
    uint32_t uid;
    int32_t fd;
    uint32_t tid;
    uint32_t band;
    uint32_t overrun;
    uint32_t trapno;
    int32_t status;
    int32_t integer;
    uint64_t pointer;
    uint64_t user_time;
    uint64_t system_time;
    uint64_t address;
    uint16_t address_lsb;
    uint8_t padding[46];
};
static_assert(sizeof(SignalFdInfo) == 128);

class SignalFd final : public fs::Inode {
public:
    explicit SignalFd(uint64_t mask)
        : Inode(signalfd_file_system(), 0600)
        , m_mask(mask)
    {
    }
    ~SignalFd() override { IntrusiveList<SignalFd, &SignalFd::node>::remove(*this); }

    static SignalFd* from(fs::Inode& inode) { return &inode.file_system() == s_file_system ? static_cast<SignalFd*>(&inode) : nullptr; }

    void set_mask(uint64_t mask) { m_mask = mask & ~unblockable; }
    uint64_t mask() const { return m_mask; }

    bool is_seekable() const override { return false; }
    ErrorOr<String> anonymous_path() const override { return String::try_create("anon_inode:[signalfd]"); }
    fs::PollQueue* poll_queue() override { return &m_poll_queue; }

    uint32_t poll_events(fs::OpenFileDescription const&) const override
    {
        auto& thread = sched::current_thread();
        auto* state = thread.process()->signal_state();
        uint64_t pending = thread.pending_signals | (state ? state->pending : 0);
        return (pending & m_mask) ? (fs::poll_in | fs::poll_rdnorm) : 0;
    }

    ErrorOr<size_t> read(fs::OpenFileDescription& description, uint64_t, fs::IoBuffer& buffer) override
    {
        if (buffer.size() < sizeof(SignalFdInfo))
            return Error(EINVAL);
        auto& thread = sched::current_thread();
        size_t done = 0;
        for (;;) {
            while (buffer.size() - done >= sizeof(SignalFdInfo)) {
                PendingInfo info {};
                int signal = dequeue(thread, m_mask, info);
                if (!signal)
                    break;
                SignalFdInfo out {};
                out.signo = uint32_t(signal);
                out.code = info.code;
                bool is_fault = info.code > 0 && signal != sigchld && (signal == sigsegv || signal == sigbus || signal == sigill || signal == sigfpe || signal == sigtrap);
                if (is_fault) {
                    out.address = info.address;
                } else {
                    out.pid = uint32_t(info.pid);
                    if (info.code == si_timer) {
                        out.tid = uint32_t(info.pid);
                        out.overrun = uint32_t(info.status);
                    }
                    if (signal == sigchld && info.code > 0)
                        out.status = info.status;
                    else {
                        out.integer = int32_t(info.address);
                        out.pointer = info.address;
                    }
                }
                TRY(buffer.write(done, &out, sizeof(out)));
                done += sizeof(out);
            }
            if (done)
                return done;
            if (description.is_nonblocking())
                return Error(EAGAIN);
            thread.waited_signals |= m_mask;
            auto reason = m_readers.wait();
            thread.waited_signals &= ~m_mask;
            if (reason == sched::WakeReason::Interrupted && !(deliverable_in(thread) & m_mask))
                return Error(EINTR);
        }
    }

    void signal_sent()
    {
        m_readers.wake_all();
        m_poll_queue.notify(fs::poll_in);
    }

    IntrusiveListNode node;

private:
    static uint64_t deliverable_in(sched::Thread& thread)
    {
        auto* state = thread.process()->signal_state();
        return thread.pending_signals | (state ? state->pending : 0);
    }

    uint64_t m_mask;
    fs::PollQueue m_poll_queue;
    sched::WaitQueue m_readers;
};

IntrusiveList<SignalFd, &SignalFd::node>* s_all;

}

// Called after every signal sent: signalfds may have become readable.
void notify_signalfds()
{
    if (!s_all)
        return;
    for (auto& signalfd : *s_all)
        signalfd.signal_sent();
}

}

using namespace signal;

namespace {

ErrorOr<long> create_or_update(int fd, uint64_t mask_address, uint64_t mask_size, int flags)
{
    constexpr int sfd_cloexec = 02000000, sfd_nonblock = 04000;
    if (flags & ~(sfd_cloexec | sfd_nonblock))
        return Error(EINVAL);
    if (mask_size != sizeof(uint64_t))
        return Error(EINVAL);
    uint64_t mask = TRY(UserPtr<uint64_t>(mask_address).read()) & ~unblockable;
    auto& table = process::current().fd_table();
    if (fd != -1) {
        auto description = TRY(table.get(fd));
        auto* signalfd = SignalFd::from(description->inode());
        if (!signalfd)
            return Error(EINVAL);
        signalfd->set_mask(mask);
        return fd;
    }
    TRY(table.check_can_allocate());
    if (!s_all) {
        static IntrusiveList<SignalFd, &SignalFd::node>* list = new (std::nothrow) IntrusiveList<SignalFd, &SignalFd::node>();
        if (!list)
            return Error(ENOMEM);
        s_all = list;
    }
    auto* raw = new (std::nothrow) SignalFd(mask);
    if (!raw)
        return Error(ENOMEM);
    auto inode = RefPtr<SignalFd>::adopt(raw);
    s_all->append(*inode);
    auto description = TRY(fs::OpenFileDescription::create(inode, O_RDWR | (flags & sfd_nonblock)));
    return TRY(table.allocate(std::move(description), flags & sfd_cloexec));
}

}

// signalfd(2)
SYSCALL_HANDLER(signalfd) { return create_or_update(args.as_int(0), args[1], args[2], 0); }

// signalfd4(2)
SYSCALL_HANDLER(signalfd4) { return create_or_update(args.as_int(0), args[1], args[2], args.as_int(3)); }
