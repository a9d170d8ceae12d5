// What /proc shows of processes: the procfs hooks, defined from the process tree.
#include <cstring>

#include <fs/procfs.h>
#include <lib/format.h>
#include <mm/memory.h>
#include <plat/clock.h>
#include <process/process.h>
#include <signal/signal_state.h>

namespace process {
char const* hostname();
}

namespace fs::procfs {

namespace {

constexpr uint64_t nanoseconds_per_tick = 10'000'000; // USER_HZ 100

ErrorOr<process::Process*> live_process(int pid)
{
    auto* process = process::find_process(pid);
    if (!process || process->is_zombie())
        return Error(ENOENT);
    return process;
}

void copy_field(char (&field)[65], char const* text)
{
    size_t length = strnlen(text, sizeof(field) - 1);
    memcpy(field, text, length);
    field[length] = '\0';
}

ErrorOr<Vector<uint8_t>> read_area(int pid, uint64_t start, uint64_t end)
{
    auto* process = TRY(live_process(pid));
    Vector<uint8_t> bytes;
    if (end <= start || !process->has_address_space())
        return bytes;
    TRY(bytes.try_resize(size_t(end - start)));
    TRY(process->address_space().read_bytes(start, bytes.data(), bytes.size()));
    return bytes;
}

void sort(Vector<int>& ids)
{
    for (size_t i = 1; i < ids.size(); ++i)
        for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; --j) {
            int swapped = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = swapped;
        }
}

}

int current_pid() { return process::current().pid(); }
int current_tid() { return sched::current_thread().tid(); }

ErrorOr<Vector<int>> process_ids()
{
    Vector<int> ids;
    for (auto& process : process::all_processes())
        TRY(ids.try_append(process.pid()));
    sort(ids);
    return ids;
}

ErrorOr<Vector<int>> thread_ids(int pid)
{
    auto* process = process::find_process(pid);
    if (!process)
        return Error(ENOENT);
    Vector<int> ids;
    for (auto& thread : process->threads())
        TRY(ids.try_append(thread.tid()));
    if (ids.is_empty())
        TRY(ids.try_append(pid)); // a zombie keeps its leader's entry
    sort(ids);
    return ids;
}

ErrorOr<TaskInfo> task_info(int tid)
{
    sched::Thread* thread = process::find_thread(tid);
    process::Process* process = thread ? thread->process() : process::find_process(tid);
    if (!process)
        return Error(ENOENT);
    TaskInfo info;
    info.pid = tid;
    info.tgid = process->pid();
    info.ppid = process->ppid();
    info.pgid = process->pgid();
    auto const& user = process->credentials.user;
    auto const& group = process->credentials.group;
    info.uid = user.real, info.euid = user.effective, info.suid = user.saved, info.fsuid = user.filesystem;
    info.gid = group.real, info.egid = group.effective, info.sgid = group.saved, info.fsgid = group.filesystem;
    info.sid = process->sid();
    info.thread_count = int(process->thread_count());
    info.exit_signal = process->exit_signal();
    if (process->is_zombie())
        info.state = 'Z';
    else if (process->stopped)
        info.state = 'T';
    else if (thread && thread->state() == sched::ThreadState::Blocked)
        info.state = 'S';
    else
        info.state = 'R';
    memcpy(info.name, process->name(), sizeof(info.name));
    info.name[sizeof(info.name) - 1] = '\0';
    if (process->has_address_space()) {
        info.virtual_bytes = process->address_space().mapped_bytes();
        info.resident_bytes = process->address_space().resident_bytes();
    }
    info.start_time_ticks = process->start_nanoseconds / nanoseconds_per_tick;
    info.user_ticks = (thread ? thread->user_nanoseconds() : process->total_cpu_nanoseconds()) / nanoseconds_per_tick;
    info.children_user_ticks = process->children_cpu_nanoseconds / nanoseconds_per_tick;
    if (thread) {
        info.blocked_signals = thread->signal_mask;
        info.pending_signals = thread->pending_signals;
    }
#ifdef CONFIG_SIGNAL
    if (auto* state = process->signal_state()) {
        info.pending_signals |= state->pending;
        for (int signal = 1; signal <= signal::signal_count; ++signal) {
            uint64_t handler = state->action(signal).handler;
            if (handler == signal::ignore_handler)
                info.ignored_signals |= signal::bit_of(signal);
            else if (handler != signal::default_handler)
                info.caught_signals |= signal::bit_of(signal);
        }
    }
#endif
    return info;
}

ErrorOr<RefPtr<OpenFileDescription>> executable(int pid)
{
    auto* process = TRY(live_process(pid));
    if (!process->executable)
        return Error(ENOENT);
    return process->executable;
}

ErrorOr<RefPtr<FsContext>> fs_context(int pid)
{
    auto* process = TRY(live_process(pid));
    if (!process->fs_context_ref())
        return Error(ENOENT);
    return process->fs_context_ref();
}

ErrorOr<RefPtr<FdTable>> fd_table(int pid)
{
    auto* process = TRY(live_process(pid));
    if (!process->fd_table_ref())
        return Error(ENOENT);
    return process->fd_table_ref();
}

ErrorOr<Vector<uint8_t>> command_line(int pid)
{
    auto* process = TRY(live_process(pid));
    return read_area(pid, process->arguments_start, process->arguments_end);
}

ErrorOr<Vector<uint8_t>> environment(int pid)
{
    auto* process = TRY(live_process(pid));
    return read_area(pid, process->environment_start, process->environment_end);
}

ErrorOr<Vector<uint32_t>> supplementary_groups(int pid)
{
    auto* process = process::find_process(pid);
    if (!process)
        return Error(ENOENT);
    Vector<uint32_t> groups;
    for (uint32_t group : process->credentials.groups())
        TRY(groups.try_append(group));
    return groups;
}

// Linux's format: start-end perms offset major:minor inode, then a name for the stack and
// the heap.
ErrorOr<String> memory_map(int pid)
{
    auto* process = TRY(live_process(pid));
    if (!process->has_address_space())
        return String();
    auto& space = process->address_space();
    Vector<char> text;
    for (size_t index = 0;; ++index) {
        auto const* region = space.region_at(index);
        if (!region)
            break;
        char line[160];
        char const* name = "";
        String file_name;
        if (region->file)
            file_name = TRY(region->file->map_name());
        if (!file_name.is_empty())
            name = file_name.c_str();
        else if (region->end == space.stack_top())
            name = "[stack]";
        else if (!region->file && region->start >= mm::page_round_down(space.break_start()) && region->end == mm::page_round_up(space.current_break()))
            name = "[heap]";
        size_t length = lib::format(line, sizeof(line), "%08lx-%08lx %c%c%c%c %08lx 00:00 0%s%s\n", region->start, region->end,
            (region->prot & mm::prot_read) ? 'r' : '-', (region->prot & mm::prot_write) ? 'w' : '-',
            (region->prot & mm::prot_exec) ? 'x' : '-', region->shared ? 's' : 'p',
            region->file ? region->file_offset : 0, *name ? "                          " : "", name);
        for (size_t i = 0; i < length; ++i)
            TRY(text.try_append(line[i]));
    }
    return String::try_create({ text.data(), text.size() });
}

SystemInfo system_info()
{
    SystemInfo info;
    copy_field(info.host_name, process::hostname());
    copy_field(info.release, "6.1.0-unifork");
    copy_field(info.version, "#1 unifork 0.1.0");
    info.pid_max = 4'194'304;
    return info;
}

MemoryInfo memory_info()
{
    uint64_t const total = mm::total_frame_count() * mm::page_size;
    uint64_t const free = mm::free_frame_count() * mm::page_size;
    return MemoryInfo { .total_bytes = total, .free_bytes = free, .available_bytes = free };
}

}
