#include <arch/context.h>
#include <arch/cpu.h>
#include <config.h>
#include <fs/fd_table.h>
#include <fs/fs_context.h>
#include <fs/initrd.h>
#include <fs/open_file_description.h>
#include <fs/permissions.h>
#include <fs/record_lock.h>
#include <lib/assert.h>
#include <lib/user_memory.h>
#include <plat/clock.h>
#include <plat/power.h>
#include <process/futex.h>
#include <process/lifecycle.h>
#include <process/process.h>
#include <process/rseq.h>
#include <sched/scheduler.h>
#include <signal/delivery.h>
#include <signal/signal_state.h>
#include <syscall/dispatch.h>
#include <syscall/trace.h>

extern "C" process::LifecycleHooks const __start_unifork_process_hooks[];
extern "C" process::LifecycleHooks const __stop_unifork_process_hooks[];

namespace process {

namespace {

constexpr int pid_max = 4'194'304; // Linux's default on 64-bit machines

AllProcessList s_processes;
IntrusiveList<sched::Thread, &sched::Thread::all_threads_node> s_threads;
int s_last_id;

bool id_in_use(int id)
{
    for (auto& process : s_processes)
        if (process.pid() == id || process.pgid() == id || process.sid() == id)
            return true;
    for (auto& thread : s_threads)
        if (thread.tid() == id)
            return true;
    return false;
}

}

AllProcessList& all_processes() { return s_processes; }

uint64_t allocate_image_id()
{
    static uint64_t s_last_image_id;
    return ++s_last_image_id;
}

ErrorOr<RefPtr<mm::AddressSpace>> initial_address_space()
{
#ifdef CONFIG_ADDRESS_SPACE_SHARED
    // Lives as long as the VM: the reference taken here is never dropped.
    static mm::AddressSpace* s_shared;
    if (!s_shared)
        s_shared = TRY(mm::AddressSpace::create()).leak_ref();
    return RefPtr<mm::AddressSpace>(s_shared);
#else
    return mm::AddressSpace::create();
#endif
}

std::span<LifecycleHooks const> lifecycle_hooks()
{
    return { __start_unifork_process_hooks, size_t(__stop_unifork_process_hooks - __start_unifork_process_hooks) };
}

ErrorOr<int> allocate_id()
{
    for (int tries = 0; tries < pid_max; ++tries) {
        int id = s_last_id + 1;
        if (id >= pid_max)
            id = 300; // Linux wraps to RESERVED_PIDS
        s_last_id = id;
        if (!id_in_use(id))
            return id;
    }
    return Error(EAGAIN);
}

ErrorOr<Process*> Process::create(Process* parent)
{
    auto* process = new (std::nothrow) Process();
    if (!process)
        return Error(ENOMEM);
    auto id = allocate_id();
    if (id.is_error()) {
        delete process;
        return id.release_error();
    }
    process->m_pid = id.value();
    process->m_parent = parent;
    process->start_nanoseconds = plat::monotonic_nanoseconds();
    if (parent) {
        if (auto copied = process->credentials.copy_from(parent->credentials); copied.is_error()) {
            delete process;
            return copied.release_error();
        }
        process->m_pgid = parent->m_pgid;
        process->m_sid = parent->m_sid;
        for (int i = 0; i < resource_limit_count; ++i)
            process->m_resource_limits[i] = parent->m_resource_limits[i];
        if (auto path = parent->m_executable_path.try_clone(); !path.is_error())
            process->m_executable_path = path.release_value();
        memcpy(process->m_name, parent->m_name, sizeof(m_name));
        process->dumpable = parent->dumpable;
        process->executable = parent->executable;
        process->arguments_start = parent->arguments_start;
        process->arguments_end = parent->arguments_end;
        process->environment_start = parent->environment_start;
        process->environment_end = parent->environment_end;
        process->no_new_privileges = parent->no_new_privileges;
        process->personality = parent->personality;
        parent->m_children.append(*process);
    } else {
        process->m_pgid = process->m_pid;
        process->m_sid = process->m_pid;
        for (auto& limit : process->m_resource_limits)
            limit = { unlimited, unlimited };
        // Linux's defaults for a process started by init.
        process->m_resource_limits[3] = { 8ull << 20, unlimited };         // RLIMIT_STACK
        process->m_resource_limits[4] = { 0, unlimited };                  // RLIMIT_CORE
        process->m_resource_limits[6] = { 63'000, 63'000 };                // RLIMIT_NPROC
        process->m_resource_limits[7] = { fs::FdTable::default_limit, 4096 }; // RLIMIT_NOFILE
        process->m_resource_limits[8] = { 8ull << 20, 8ull << 20 };        // RLIMIT_MEMLOCK
        process->m_resource_limits[11] = { 63'000, 63'000 };               // RLIMIT_SIGPENDING
        process->m_resource_limits[12] = { 819'200, 819'200 };             // RLIMIT_MSGQUEUE
        process->m_resource_limits[13] = { 0, 0 };                         // RLIMIT_NICE
        process->m_resource_limits[14] = { 0, 0 };                         // RLIMIT_RTPRIO
    }
    s_processes.append(*process);
    return process;
}

Process::~Process()
{
    AllProcessList::remove(*this);
    IntrusiveList<Process, &Process::sibling_node>::remove(*this);
}

int Process::ppid() const { return m_parent ? m_parent->m_pid : 0; }

void Process::set_name(std::string_view path)
{
    auto slash = path.rfind('/');
    auto base = slash == std::string_view::npos ? path : path.substr(slash + 1);
    size_t length = base.size() < sizeof(m_name) - 1 ? base.size() : sizeof(m_name) - 1;
    memcpy(m_name, base.data(), length);
    m_name[length] = 0;
}

void Process::set_address_space(RefPtr<mm::AddressSpace> space)
{
    if (space && sched::has_current_thread() && sched::current_thread().process() == this)
        space->activate();
    m_address_space = std::move(space);
}

void Process::add_thread(sched::Thread& thread)
{
    thread.set_process(this);
    m_threads.append(thread);
    s_threads.append(thread);
    ++m_thread_count;
}

void Process::remove_thread(sched::Thread& thread)
{
    IntrusiveList<sched::Thread, &sched::Thread::owner_node>::remove(thread);
    IntrusiveList<sched::Thread, &sched::Thread::all_threads_node>::remove(thread);
    cpu_nanoseconds += thread.user_nanoseconds();
    --m_thread_count;
    thread_exit_queue.wake_all();
}

uint64_t Process::total_cpu_nanoseconds() const
{
    uint64_t total = cpu_nanoseconds;
    for (auto& thread : m_threads)
        total += thread.user_nanoseconds();
    return total;
}

void Process::reparent(Process* new_parent)
{
    IntrusiveList<Process, &Process::sibling_node>::remove(*this);
    m_parent = new_parent;
    if (new_parent) {
        new_parent->m_children.append(*this);
        if (is_zombie())
            new_parent->child_events.wake_all();
    }
}

void Process::complete_vfork()
{
    if (!vfork_completion)
        return;
    vfork_completion->done = true;
    vfork_completion->queue.wake_all();
    vfork_completion = nullptr;
}

void Process::terminate(int status)
{
    if (m_state != State::Alive)
        return;
    m_state = State::Exiting;
    m_exit_status = status;
    for (auto& thread : m_threads) {
        thread.exit_requested = true;
        sched::interrupt(thread);
    }
    stopped = false;
    stop_queue.wake_all();
}

void Process::finish()
{
    VERIFY(m_thread_count == 0);
    if (m_state == State::Alive)
        m_state = State::Exiting;
    complete_vfork();
    for (auto const& hooks : lifecycle_hooks())
        if (hooks.exit)
            hooks.exit(*this);
#ifdef CONFIG_ADDRESS_SPACE_SHARED
    if (m_address_space && !borrows_image)
        m_address_space->unmap_owned_by(image_id);
#endif
    m_address_space.clear();
    executable.clear();

    // Orphans go to the nearest living subreaper above, or to the reaper; if this is the
    // reaper, the VM ends with it.
    Process* adopter = reaper();
    if (adopter == this)
        power_off(m_exit_status);
    for (auto* ancestor = m_parent; ancestor; ancestor = ancestor->m_parent) {
        if (ancestor->child_subreaper && ancestor->m_state == State::Alive) {
            adopter = ancestor;
            break;
        }
    }
    while (auto* child = m_children.first()) {
#ifdef CONFIG_SIGNAL
        if (child->parent_death_signal && !child->is_zombie())
            signal::send_to_process(*child, child->parent_death_signal, signal::PendingInfo { .code = signal::si_user, .pid = m_pid, .status = 0, .address = 0 });
#endif
        child->reparent(adopter);
    }

    m_state = State::Zombie;
    if (!m_parent) {
        reap();
        return;
    }
    // The parent hears of it (SIGCHLD, unless it ignores that). A parent that ignores SIGCHLD
    // or set SA_NOCLDWAIT never sees its children's status: the zombie goes at once.
    auto* parent = m_parent;
    auto* parent_signals = parent->signal_state();
    constexpr int sigchld = 17;
    constexpr uint64_t sa_nocldwait = 2;
    bool reap_now = parent_signals && m_exit_signal == sigchld
        && (parent_signals->action(sigchld).handler == signal::ignore_handler || (parent_signals->action(sigchld).flags & sa_nocldwait));
#ifdef CONFIG_SIGNAL
    if (m_exit_signal) {
        bool signaled = m_exit_status & 0x7f;
        signal::send_to_process(*parent, m_exit_signal, signal::PendingInfo {
            .code = signaled ? signal::cld_killed : signal::cld_exited,
            .pid = m_pid,
            .status = signaled ? (m_exit_status & 0x7f) : ((m_exit_status >> 8) & 0xff),
            .address = 0,
        });
    }
#endif
    if (reap_now)
        reap();
    parent->child_events.wake_all();
}

void Process::finish_unstarted()
{
    for (auto const& hooks : lifecycle_hooks())
        if (hooks.exit)
            hooks.exit(*this);
    m_address_space.clear();
    delete this;
}

void Process::reap()
{
    VERIFY(is_zombie());
    if (m_parent)
        m_parent->children_cpu_nanoseconds += total_cpu_nanoseconds() + children_cpu_nanoseconds;
    delete this;
}

Process* find_process(int pid)
{
    for (auto& process : s_processes)
        if (process.pid() == pid)
            return &process;
    return nullptr;
}

sched::Thread* find_thread(int tid)
{
    for (auto& thread : s_threads)
        if (thread.tid() == tid)
            return &thread;
    return nullptr;
}

Process* reaper() { return find_process(1); }

bool is_orphaned_process_group(int pgid)
{
    for (auto& member : s_processes) {
        if (member.pgid() != pgid || member.is_zombie())
            continue;
        auto* parent = member.parent();
        if (!parent)
            continue;
        if (parent->pgid() != pgid && parent->sid() == member.sid())
            return false;
    }
    return true;
}

// Linux's exit path for a thread: CLONE_CHILD_CLEARTID, the robust futex list, then the
// process if this was its last thread.
void exit_thread()
{
    auto& thread = sched::current_thread();
    auto& process = *thread.process();
    release_robust_futexes(thread);
    if (thread.clear_child_tid && process.has_address_space()) {
        uint32_t zero = 0;
        if (!copy_to_user(thread.clear_child_tid, &zero, sizeof(zero)).is_error())
            futex_wake(process, thread.clear_child_tid, 1);
    }
    process.remove_thread(thread);
    if (process.thread_count() == 0)
        process.finish();
    sched::exit_current();
}

void exit_group(int status)
{
    auto& process = current();
    process.terminate(exited_status(status));
    exit_thread();
}

void power_off(int status)
{
    syscall::report_unimplemented();
    if (status & 0x7f)
        plat::exit_vm_signaled(status & 0x7f);
    plat::exit_vm_exited((status >> 8) & 0xff);
}

namespace {

void activate_address_space(sched::Thread& next)
{
    auto* process = next.process();
    if (!process || !process->has_address_space())
        return;
    if (mm::AddressSpace::active() != &process->address_space())
        process->address_space().activate();
    process->address_space().set_owner(process->image_id);
}

void first_run(sched::Thread& thread)
{
    if (thread.set_child_tid) {
        uint32_t tid = uint32_t(thread.tid());
        (void)copy_to_user(thread.set_child_tid, &tid, sizeof(tid));
    }
    if (thread.exit_requested)
        exit_thread();
#ifdef CONFIG_SIGNAL
    signal::deliver_pending(thread, thread.user_frame());
#endif
}

}

void initialize_scheduling()
{
    sched::Scheduler::set_switch_hook(activate_address_space);
    sched::Scheduler::set_first_run_hook(first_run);
#ifdef CONFIG_SIGNAL
    sched::Scheduler::set_pending_work_hook([](sched::Thread& thread) { return signal::deliverable(thread) != 0; });
#endif
}

// Whether prepare_return_to_user has anything to do on the way back from a syscall: it must
// be true of every state that function acts on. Most syscalls end with nothing pending.
static bool has_return_work(sched::Thread& thread, arch::RegisterFrame const& frame)
{
    // rt_sigreturn leaves a frame that is no longer a syscall's.
    if (thread.exit_requested || frame.vector != arch::syscall_vector)
        return true;
    auto* process = thread.process();
    if (!process || process->stopped)
        return true;
#ifdef CONFIG_SIGNAL
    // Deliverable signals are a subset of the pending ones; an interrupted call is restarted
    // or failed, and a mask that sigsuspend and its kin replaced goes back.
    auto* signal_state = process->signal_state();
    if (thread.pending_signals || (signal_state && signal_state->pending) || thread.restore_saved_signal_mask
        || int64_t(frame.rax) == -EINTR)
        return true;
#endif
    return false;
}

void prepare_return_to_user()
{
    auto& thread = sched::current_thread();
    if (thread.exit_requested)
        exit_thread();
    auto& process = *thread.process();
    while (process.stopped && !thread.exit_requested)
        process.stop_queue.wait_uninterruptible();
    if (thread.exit_requested)
        exit_thread();
    auto& frame = thread.user_frame();
    bool signal_coming = false;
#ifdef CONFIG_SIGNAL
    signal_coming = signal::deliverable(thread) != 0;
#endif
    if (thread.rseq_address && (frame.vector != arch::syscall_vector || signal_coming)
        && !fix_up_restartable_sequence(thread, frame)) {
        process.terminate(signaled_status(11));
        exit_thread();
    }
#ifdef CONFIG_SIGNAL
    // Besides delivering signals, deliver_pending finishes a syscall that one interrupted and
    // puts back the mask that sigsuspend and its kin replaced; otherwise it has nothing to do.
    bool interrupted_syscall = frame.vector == arch::syscall_vector && int64_t(frame.rax) == -EINTR;
    if (signal_coming || interrupted_syscall || thread.restore_saved_signal_mask)
        signal::deliver_pending(thread, frame);
#endif
}

}

// Every syscall comes here from the entry in arch (entry.S): the handler runs, then what must
// happen before the application resumes. Returns from interrupts and exceptions run
// prepare_return_to_user through arch's hook instead.
extern "C" void syscall_dispatch(arch::RegisterFrame* frame)
{
    // Handlers that replace the whole register state (execve, rt_sigreturn) return the rax
    // the application resumes with.
    frame->rax = uint64_t(syscall::dispatch(*frame));
    if (process::has_return_work(sched::current_thread(), *frame))
        process::prepare_return_to_user();
}

namespace mm {
ProgramBreak& current_program_break() { return process::current().program_break; }
}

namespace fs {
FdTable& current_fd_table() { return process::current().fd_table(); }
// The ID a process-associated record lock records for F_GETLK (record_lock.h).
int current_process_id() { return process::current().pid(); }
FsContext& current_fs_context() { return process::current().fs_context(); }
// The kernel's own threads (boot, init) act as root.
lib::Credentials const* current_credentials()
{
    auto* process = sched::current_thread().process();
    return process ? &process->credentials : nullptr;
}
}

namespace signal {
SignalState* current_signal_state() { return process::current().signal_state(); }
}
