#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <fs/directory.h>
#include <fs/fd_table.h>
#include <fs/fs_context.h>
#include <fs/open_file_description.h>
#include <fs/ramfs.h>
#include <lib/own_ptr.h>
#include <lib/string.h>
#include <lib/vector.h>

// procfs (CONFIG_FS_PROCFS): /proc, generated from the state of processes at the moment it is
// looked at. What it shows of processes comes from the hooks below, which the process library
// defines (as it defines fs::current_fd_table()); procfs_defaults.cpp has weak stand-ins that
// describe a single process 1 until it does. README.md says what each must return.
namespace fs::procfs {

// What /proc/PID/stat and /proc/PID/status show of one task (a thread; the main thread's id is
// its process's).
struct TaskInfo {
    int pid { 0 };           // the task's own id (its thread id)
    int tgid { 0 };          // its process (thread group leader's id)
    int ppid { 0 };          // the parent process, 0 for the first one
    int pgid { 0 };
    int sid { 0 };
    int tty_nr { 0 };        // controlling terminal, encode_device() style; 0 for none
    int tpgid { -1 };        // that terminal's foreground process group; -1 for none
    int thread_count { 1 };  // threads of the process
    int exit_signal { 17 };  // what the parent gets at its end (SIGCHLD)
    // Linux's state letter: R running, S sleeping, D disk sleep, T stopped, t tracing stop,
    // Z zombie, X dead, I idle.
    char state { 'R' };
    char name[16] {};        // comm: at most 15 bytes, NUL-terminated
    uint32_t uid { 0 }, euid { 0 }, suid { 0 }, fsuid { 0 };
    uint32_t gid { 0 }, egid { 0 }, sgid { 0 }, fsgid { 0 };
    uint64_t virtual_bytes { 0 };   // the address space's mappings
    uint64_t resident_bytes { 0 };  // present pages
    // Clock ticks (USER_HZ, 100 a second): since boot at the start, then CPU time spent.
    uint64_t start_time_ticks { 0 };
    uint64_t user_ticks { 0 }, system_ticks { 0 };
    uint64_t children_user_ticks { 0 }, children_system_ticks { 0 };
    // Signal sets, bit (n - 1) for signal n.
    uint64_t pending_signals { 0 }, blocked_signals { 0 }, ignored_signals { 0 }, caught_signals { 0 };
};

// What uname(2) says, for /proc/sys/kernel and /proc/version.
struct SystemInfo {
    char host_name[65] {};
    char release[65] {};
    char version[65] {};
    int pid_max { 32768 };
};

// For /proc/meminfo.
struct MemoryInfo {
    uint64_t total_bytes { 0 };
    uint64_t free_bytes { 0 };
    uint64_t available_bytes { 0 };
};

// The caller: its process (for /proc/self) and its own thread (for /proc/thread-self).
int current_pid();
int current_tid();
// Live processes (thread group ids, zombies included), ascending.
ErrorOr<Vector<int>> process_ids();
// The threads of process `pid`, ascending; ENOENT when there is no such process.
ErrorOr<Vector<int>> thread_ids(int pid);
// The task with thread id `tid` (any thread, not only a main one); ENOENT when there is none.
ErrorOr<TaskInfo> task_info(int tid);

// The rest take a process id. ENOENT when the process is gone or has no such thing (a zombie
// has no descriptors, memory or working directory left).
//
// The file the process is running (Linux's mm->exe_file): /proc/PID/exe shows its path_of() and
// leads to it.
ErrorOr<RefPtr<OpenFileDescription>> executable(int pid);
ErrorOr<RefPtr<FsContext>> fs_context(int pid);
ErrorOr<RefPtr<FdTable>> fd_table(int pid);
// The bytes of argv and envp as they lie in the process's memory: NUL-terminated strings one
// after another (Linux reads [arg_start, arg_end) and [env_start, env_end)).
ErrorOr<Vector<uint8_t>> command_line(int pid);
ErrorOr<Vector<uint8_t>> environment(int pid);
// /proc/PID/maps, whole: one line per mapping, Linux's format.
ErrorOr<String> memory_map(int pid);
// The supplementary group IDs of the process, for the Groups line of /proc/PID/status.
ErrorOr<Vector<uint32_t>> supplementary_groups(int pid);

SystemInfo system_info();
MemoryInfo memory_info();

}

namespace fs {

// The file systems mounted in the tree, for /proc/mounts. Fixed capacity; entries are static
// strings.
struct MountEntry {
    char const* source;
    char const* point;
    char const* type;
    char const* options;
};

class MountTable {
public:
    static constexpr size_t capacity = 8;
    ErrorOr<void> add(MountEntry const& entry)
    {
        if (m_count == capacity)
            return Error(ENOSPC);
        m_entries[m_count++] = entry;
        return {};
    }
    std::span<MountEntry const> entries() const { return { m_entries, m_count }; }

private:
    MountEntry m_entries[capacity] {};
    size_t m_count { 0 };
};

// procfs's device number is 0:procfs_device_minor (ramfs is 0:1).
constexpr uint32_t procfs_device_minor = 2;
// statfs(2)'s f_type for /proc.
constexpr uint64_t proc_super_magic = 0x9fa0;

class ProcFileSystem final : public FileSystem {
public:
    static ErrorOr<OwnPtr<ProcFileSystem>> create(MountTable const&);
    ~ProcFileSystem() override;

    Directory& root() const;
    // Links the root into `parent` under `name` (mount -t proc proc /parent/name); ".." of the
    // root is `parent` from then on.
    ErrorOr<void> mount(RamDirectory& parent, std::string_view name);
    MountTable const& mounts() const { return m_mounts; }
    void fill_statfs(LinuxStatfs&) const override;

private:
    explicit ProcFileSystem(MountTable const& mounts)
        : FileSystem(procfs_device_minor)
        , m_mounts(mounts)
    {
    }
    MountTable const& m_mounts;
    RefPtr<Directory> m_root;
};

}
