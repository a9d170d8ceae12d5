// pidfd_open(2) and pidfd_send_signal(2): a descriptor that refers to a process, readable
// (POLLIN) through poll, select and epoll once the process has exited.
#include <cstring>
#include <new>

#include <config.h>
#include <fs/anonymous_inodes.h>
#include <fs/fd_table.h>
#include <fs/inode.h>
#include <fs/open_file_description.h>
#include <fs/poll.h>
#include <lib/user_memory.h>
#include <process/process.h>
#include <syscall/syscall.h>
#ifdef CONFIG_SIGNAL
#    include <signal/delivery.h>
#endif

namespace process {

namespace {

class PidFd final : public fs::Inode {
public:
    explicit PidFd(Process& process)
        : Inode(fs::anonymous_inode_file_system(fs::AnonymousInodeKind::PidFd), 0600)
        , m_pid(process.pid())
        , m_process(&process)
        , m_start_nanoseconds(process.start_nanoseconds)
    {
    }
    ~PidFd() override { IntrusiveList<PidFd, &PidFd::node>::remove(*this); }

    static PidFd* from(fs::Inode& inode) { return fs::is_anonymous_inode_of(inode, fs::AnonymousInodeKind::PidFd) ? static_cast<PidFd*>(&inode) : nullptr; }

    int pid() const { return m_pid; }
    // The process, until it is reaped. Its ID may be reused afterwards: the pointer and start
    // time tell the two apart.
    Process* process() const
    {
        auto* process = find_process(m_pid);
        if (process != m_process || process->start_nanoseconds != m_start_nanoseconds)
            return nullptr;
        return process;
    }

    bool is_seekable() const override { return false; }
    ErrorOr<String> anonymous_path() const override { return String::try_create("anon_inode:[pidfd]"); }
    fs::PollQueue* poll_queue() override { return &m_poll_queue; }

    // Linux's pidfd_poll(): readable once every thread has exited, and hung up as well once
    // the process has been reaped.
    uint32_t poll_events(fs::OpenFileDescription const&) const override
    {
        auto* target = process();
        if (!target)
            return fs::poll_in | fs::poll_rdnorm | fs::poll_hup;
        if (target->state() != Process::State::Alive)
            return fs::poll_in | fs::poll_rdnorm;
        return 0;
    }

    void process_exited() { m_poll_queue.notify(fs::poll_in); }

    IntrusiveListNode node;

private:
    int m_pid;
    Process* m_process;
    uint64_t m_start_nanoseconds;
    fs::PollQueue m_poll_queue;
};

IntrusiveList<PidFd, &PidFd::node> s_pidfds;

void exit_pidfds(Process& process)
{
    for (auto& pidfd : s_pidfds)
        if (pidfd.pid() == process.pid())
            pidfd.process_exited();
}

}

}

PROCESS_LIFECYCLE_HOOKS(pidfd, "pidfd", nullptr, nullptr, process::exit_pidfds);

using namespace process;

// pidfd_open(2): "EINVAL flags is not valid" (only PIDFD_NONBLOCK, which is O_NONBLOCK);
// "EINVAL pid is not valid" (not positive, or a thread other than a process's first);
// "ESRCH The process specified by pid does not exist" (a zombie still does). The descriptor is
// close-on-exec.
SYSCALL_HANDLER(pidfd_open)
{
    int pid = args.as_int(0);
    unsigned flags = unsigned(args[1]);
    if (flags & ~unsigned(O_NONBLOCK))
        return Error(EINVAL);
    if (pid <= 0)
        return Error(EINVAL);
    auto* target = find_process(pid);
    if (!target) {
        if (find_thread(pid))
            return Error(EINVAL);
        return Error(ESRCH);
    }
    auto& table = current().fd_table();
    TRY(table.check_can_allocate());
    auto* raw = new (std::nothrow) PidFd(*target);
    if (!raw)
        return Error(ENOMEM);
    auto inode = RefPtr<PidFd>::adopt(raw);
    s_pidfds.append(*inode);
    auto description = TRY(fs::OpenFileDescription::create(inode, O_RDWR | int(flags)));
    return TRY(table.allocate(std::move(description), true));
}

#ifdef CONFIG_SIGNAL
// pidfd_send_signal(2): "EINVAL flags is not 0"; "EBADF pidfd is not a valid PID file
// descriptor"; "ESRCH The target process does not exist (i.e., it has terminated and been
// waited on)"; "EINVAL sig is not a valid signal"; "EPERM The calling process does not have
// permission to send the signal to the target process". A null info sends as kill(2) does;
// otherwise "info->si_code must be ... negative" for another process (EPERM), and si_signo
// must be sig (EINVAL).
SYSCALL_HANDLER(pidfd_send_signal)
{
    int signal = args.as_int(1);
    if (args[3] != 0)
        return Error(EINVAL);
    auto description = TRY(current().fd_table().get(args.as_int(0)));
    auto* pidfd = PidFd::from(description->inode());
    if (!pidfd)
        return Error(EBADF);
    auto* target = pidfd->process();
    if (!target)
        return Error(ESRCH);
    if (signal < 0 || signal > signal::signal_count)
        return Error(EINVAL);
    auto& self = current();
    signal::PendingInfo info { .code = signal::si_user, .pid = self.pid(), .status = int32_t(self.credentials.user.real), .address = 0 };
    if (args[2]) {
        uint8_t raw[128];
        TRY(copy_from_user(raw, args[2], sizeof(raw)));
        int32_t signo, code, pid, uid;
        uint64_t value;
        memcpy(&signo, raw, 4);
        memcpy(&code, raw + 8, 4);
        memcpy(&pid, raw + 16, 4);
        memcpy(&uid, raw + 20, 4);
        memcpy(&value, raw + 24, 8);
        if (signo != signal)
            return Error(EINVAL);
        if (target != &self && (code >= 0 || code == signal::si_tkill))
            return Error(EPERM);
        info = signal::PendingInfo { .code = code, .pid = pid, .status = uid, .address = value };
    }
    // Linux's check_kill_permission(): the caller itself, root, or a shared real or saved user
    // ID with the sender's real or effective one.
    if (target != &self && !self.credentials.is_privileged()) {
        auto const& sender = self.credentials.user;
        auto const& receiver = target->credentials.user;
        if (sender.real != receiver.real && sender.real != receiver.saved && sender.effective != receiver.real && sender.effective != receiver.saved)
            return Error(EPERM);
    }
    if (signal && !target->is_zombie())
        signal::send_to_process(*target, signal, info);
    return 0;
}
#endif
