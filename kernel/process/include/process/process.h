#pragma once

#include <cstdint>
#include <string_view>

#include <lib/credentials.h>
#include <lib/intrusive_list.h>
#include <lib/own_ptr.h>
#include <lib/string.h>
#include <lib/vector.h>
#include <mm/address_space.h>
#include <mm/mapped_files.h>
#include <sched/thread.h>
#include <sched/wait_queue.h>

namespace fs {
class FdTable;
class FsContext;
class OpenFileDescription;
}

namespace signal {
class SignalState;
}

namespace process {

// Resource limits (getrlimit(2)), Linux's numbering and defaults.
struct ResourceLimit {
    uint64_t current;
    uint64_t maximum;
};
constexpr int resource_limit_count = 16;
constexpr uint64_t unlimited = ~uint64_t(0);

// wait(2) status words.
constexpr int exited_status(int code) { return (code & 0xff) << 8; }
constexpr int signaled_status(int signal) { return signal & 0x7f; }

// A vfork(2) parent waits on this, on its own stack, until the child execs or exits.
struct VforkCompletion {
    bool done { false };
    sched::WaitQueue queue;
};

// A process: an address space, descriptors, a file system context and signal dispositions,
// shared by its threads; a place in the process tree; and, once it has exited, the status its
// parent collects.
class Process {
public:
    enum class State { Alive, Exiting, Zombie };

    IntrusiveListNode sibling_node;
    IntrusiveListNode all_node;

    // A new process with no threads; `parent` null for the first one.
    static ErrorOr<Process*> create(Process* parent);
    ~Process();

    int pid() const { return m_pid; }
    Process* parent() const { return m_parent; }
    int ppid() const;
    int pgid() const { return m_pgid; }
    int sid() const { return m_sid; }
    void set_pgid(int pgid) { m_pgid = pgid; }
    void set_sid(int sid) { m_sid = sid; }
    State state() const { return m_state; }
    bool is_zombie() const { return m_state == State::Zombie; }
    int exit_status() const { return m_exit_status; }
    int exit_signal() const { return m_exit_signal; }
    void set_exit_signal(int signal) { m_exit_signal = signal; }
    // execve(2) has run in this process (setpgid on a child that has exec'd is EACCES).
    bool has_executed() const { return m_has_executed; }
    void set_has_executed() { m_has_executed = true; }

    mm::AddressSpace& address_space() { return *m_address_space; }
    RefPtr<mm::AddressSpace> const& address_space_ref() const { return m_address_space; }
    bool has_address_space() const { return bool(m_address_space); }
    void set_address_space(RefPtr<mm::AddressSpace>);
    fs::FdTable& fd_table() { return *m_fd_table; }
    RefPtr<fs::FdTable>& fd_table_ref() { return m_fd_table; }
    fs::FsContext& fs_context() { return *m_fs_context; }
    RefPtr<fs::FsContext>& fs_context_ref() { return m_fs_context; }
    signal::SignalState* signal_state() { return m_signal_state.ptr(); }
    OwnPtr<signal::SignalState>& signal_state_owner() { return m_signal_state; }

    String const& executable_path() const { return m_executable_path; }
    // The file the process runs (/proc/PID/exe), opened by its path.
    RefPtr<fs::OpenFileDescription> executable;
    void set_executable_path(String path) { m_executable_path = std::move(path); }
    // The command name (comm): the executable's base name, 15 bytes at most.
    char const* name() const { return m_name; }
    void set_name(std::string_view);
    // Where argv and envp lie in the process's memory (for /proc/PID/cmdline and environ).
    uint64_t arguments_start { 0 }, arguments_end { 0 }, environment_start { 0 }, environment_end { 0 };

    ResourceLimit& resource_limit(int resource) { return m_resource_limits[resource]; }

    // Users and groups (credentials(7)), shared by the process's threads; a child starts with
    // a copy of its parent's, the first process as root.
    lib::Credentials credentials;

    // The shared address space model: the image this process runs (its regions carry this
    // owner), and whether it still borrows its vfork parent's.
    uint64_t image_id { 0 };
    bool borrows_image { false };
    mm::ProgramBreak program_break;

    // prctl(2) attributes.
    char* mutable_name() { return m_name; }
    int parent_death_signal { 0 };     // not inherited
    bool child_subreaper { false };    // not inherited
    bool dumpable { true };
    bool no_new_privileges { false };
    // personality(2)'s execution domain and flags: inherited across fork(2), kept over
    // execve(2). Every program runs as PER_LINUX whatever it holds.
    uint32_t personality { 0 };

    // Scheduling attributes (sched(7)): recorded and reported, inherited across fork(2) (unless
    // SCHED_RESET_ON_FORK) and kept over execve(2). One CPU runs every thread alike.
    struct Scheduling {
        int nice { 0 };
        int policy { 0 }; // SCHED_OTHER
        int priority { 0 };
        bool reset_on_fork { false };
    } scheduling;
    // membarrier(2) registrations (MEMBARRIER_CMD_REGISTER_* bits): kept across fork(2),
    // cleared by execve(2) with the address space.
    uint32_t membarrier_registrations { 0 };

    // Threads.
    IntrusiveList<sched::Thread, &sched::Thread::owner_node>& threads() { return m_threads; }
    size_t thread_count() const { return m_thread_count; }
    sched::Thread* main_thread() const { return m_threads.first(); }
    void add_thread(sched::Thread&);
    void remove_thread(sched::Thread&);
    // Threads waiting for the others to finish (exit_group and execve from another thread).
    sched::WaitQueue thread_exit_queue;

    // The tree.
    IntrusiveList<Process, &Process::sibling_node>& children() { return m_children; }
    void reparent(Process* new_parent);
    // The parent waits here for children to change state.
    sched::WaitQueue child_events;
    VforkCompletion* vfork_completion { nullptr };
    void complete_vfork();

    // Accounting, for wait4 and getrusage.
    uint64_t cpu_nanoseconds { 0 };          // threads that have exited
    uint64_t children_cpu_nanoseconds { 0 }; // reaped children, with their own children
    uint64_t start_nanoseconds { 0 };
    uint64_t total_cpu_nanoseconds() const;

    // Job control: stopped by a stop signal until SIGCONT, with what wait(2) has yet to report.
    bool stopped { false };
    int stop_signal { 0 };
    bool stop_reportable { false };
    bool continue_reportable { false };
    sched::WaitQueue stop_queue;

    // Ends the process with `status` (a wait status word): every thread is asked to leave.
    void terminate(int status);
    // Called by the last thread on its way out.
    void finish();
    // Undoes create() for a child whose setup failed before it ran.
    void finish_unstarted();
    // Releases a zombie once its status has been collected.
    void reap();

private:
    Process() = default;

    int m_pid { 0 };
    int m_pgid { 0 };
    int m_sid { 0 };
    Process* m_parent { nullptr };
    State m_state { State::Alive };
    int m_exit_status { 0 };
    int m_exit_signal { 17 }; // SIGCHLD
    bool m_has_executed { false };
    RefPtr<mm::AddressSpace> m_address_space;
    RefPtr<fs::FdTable> m_fd_table;
    RefPtr<fs::FsContext> m_fs_context;
    OwnPtr<signal::SignalState> m_signal_state;
    String m_executable_path;
    char m_name[16] {};
    ResourceLimit m_resource_limits[resource_limit_count];
    IntrusiveList<sched::Thread, &sched::Thread::owner_node> m_threads;
    size_t m_thread_count { 0 };
    IntrusiveList<Process, &Process::sibling_node> m_children;
};

using AllProcessList = IntrusiveList<Process, &Process::all_node>;
AllProcessList& all_processes();

inline Process& current()
{
    auto* process = sched::current_thread().process();
    VERIFY(process);
    return *process;
}
inline sched::Thread& current_thread() { return sched::current_thread(); }
Process* find_process(int pid);
sched::Thread* find_thread(int tid);
// A free process/thread ID, in increasing order with wrap-around as Linux hands them out.
ErrorOr<int> allocate_id();
// A new program image's identity (shared address space model).
uint64_t allocate_image_id();
// The address space a new process starts with: a fresh one, or the one every process shares.
ErrorOr<RefPtr<mm::AddressSpace>> initial_address_space();

// POSIX's orphaned process group: no member has a parent outside the group but in its
// session. Terminal stop signals do not stop such a group. The kernel's init counts as an
// outside parent: it starts the application in a group of its own, as a shell starts a job.
bool is_orphaned_process_group(int pgid);

// The process that adopts orphans: init (PID 1).
Process* reaper();

// The UTS host name uname(2) reports; "unifork" unless the launch file names one.
void set_hostname(std::string_view);

// The calling thread leaves; the process ends with it when it was the last one.
[[noreturn]] void exit_thread();
// exit_group(2): the whole process ends with `status`.
[[noreturn]] void exit_group(int status);

// Stops the VM: the application ended with this wait status.
[[noreturn]] void power_off(int status);

// Lifecycle events for the libraries that own per-process resources (32 bytes and aligned to
// 32, so the linker section is a plain array). Registered with
// PROCESS_LIFECYCLE_HOOKS; each runs in registration (link) order.
struct alignas(32) LifecycleHooks {
    char const* name;
    // A new process (clone without CLONE_THREAD): set up the child's resource from the
    // parent's according to the clone flags.
    ErrorOr<void> (*fork)(Process& parent, Process& child, uint64_t clone_flags);
    // execve(2) committed the new image.
    void (*exec)(Process&);
    // The last thread left: release what the process held.
    void (*exit)(Process&);
};

}

#define PROCESS_LIFECYCLE_HOOKS(identifier, ...)                                                  \
    [[gnu::used, gnu::section(".unifork_process_hooks")]] static constexpr ::process::LifecycleHooks \
        process_hooks_##identifier { __VA_ARGS__ }
