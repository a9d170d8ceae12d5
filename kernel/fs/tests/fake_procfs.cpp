#include <cstring>

#include <fs/permissions.h>

#include "fake_procfs.h"

namespace fake_procfs {

std::map<int, Process> processes;
int current_pid = 1;
int current_tid = 1;
fs::procfs::SystemInfo system;
fs::procfs::MemoryInfo memory;
lib::Credentials const* credentials = nullptr;

Process& add_process(int pid, char const* name, int ppid)
{
    auto& process = processes[pid];
    process.info = {};
    process.info.pid = pid;
    process.info.tgid = pid;
    process.info.ppid = ppid;
    process.info.pgid = pid;
    process.info.sid = pid;
    strncpy(process.info.name, name, sizeof(process.info.name) - 1);
    return process;
}

void reset()
{
    processes.clear();
    current_pid = current_tid = 1;
    system = {};
    strcpy(system.host_name, "testhost");
    strcpy(system.release, "6.1.0-unifork");
    strcpy(system.version, "#1 unifork 0.1.0");
    system.pid_max = 32768;
    memory = { .total_bytes = 512ull << 20, .free_bytes = 300ull << 20, .available_bytes = 300ull << 20 };
}

}

namespace fs {
lib::Credentials const* current_credentials() { return fake_procfs::credentials; }
}

namespace fs::procfs {

using fake_procfs::processes;

static fake_procfs::Process* find(int pid)
{
    auto found = processes.find(pid);
    return found == processes.end() ? nullptr : &found->second;
}

int current_pid() { return fake_procfs::current_pid; }
int current_tid() { return fake_procfs::current_tid; }

ErrorOr<Vector<int>> process_ids()
{
    Vector<int> ids;
    for (auto const& [pid, process] : processes)
        TRY(ids.try_append(pid));
    return ids;
}

ErrorOr<Vector<int>> thread_ids(int pid)
{
    auto* process = find(pid);
    if (!process)
        return Error(ENOENT);
    Vector<int> ids;
    TRY(ids.try_append(pid));
    for (auto const& [tid, thread] : process->threads)
        TRY(ids.try_append(tid));
    return ids;
}

ErrorOr<TaskInfo> task_info(int tid)
{
    if (auto* process = find(tid)) {
        auto info = process->info;
        info.thread_count = int(1 + process->threads.size());
        return info;
    }
    for (auto const& [pid, process] : processes) {
        if (auto thread = process.threads.find(tid); thread != process.threads.end()) {
            auto info = thread->second;
            info.thread_count = int(1 + process.threads.size());
            return info;
        }
    }
    return Error(ENOENT);
}

ErrorOr<RefPtr<OpenFileDescription>> executable(int pid)
{
    auto* process = find(pid);
    if (!process || !process->executable)
        return Error(ENOENT);
    return process->executable;
}

ErrorOr<RefPtr<FsContext>> fs_context(int pid)
{
    auto* process = find(pid);
    if (!process || !process->context)
        return Error(ENOENT);
    return process->context;
}

ErrorOr<RefPtr<FdTable>> fd_table(int pid)
{
    auto* process = find(pid);
    if (!process || !process->fd_table)
        return Error(ENOENT);
    return process->fd_table;
}

static ErrorOr<Vector<uint8_t>> bytes_of(std::string const& text)
{
    Vector<uint8_t> bytes;
    TRY(bytes.try_append(reinterpret_cast<uint8_t const*>(text.data()), text.size()));
    return bytes;
}

ErrorOr<Vector<uint8_t>> command_line(int pid)
{
    auto* process = find(pid);
    if (!process)
        return Error(ENOENT);
    return bytes_of(process->command_line);
}

ErrorOr<Vector<uint8_t>> environment(int pid)
{
    auto* process = find(pid);
    if (!process)
        return Error(ENOENT);
    return bytes_of(process->environment);
}

ErrorOr<String> memory_map(int pid)
{
    auto* process = find(pid);
    if (!process)
        return Error(ENOENT);
    return String::try_create(process->maps);
}

ErrorOr<Vector<uint32_t>> supplementary_groups(int pid)
{
    auto* process = find(pid);
    if (!process)
        return Error(ENOENT);
    Vector<uint32_t> groups;
    for (uint32_t group : process->groups)
        TRY(groups.try_append(group));
    return groups;
}

SystemInfo system_info() { return fake_procfs::system; }
MemoryInfo memory_info() { return fake_procfs::memory; }

}
