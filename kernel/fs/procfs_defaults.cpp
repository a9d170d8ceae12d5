// Stand-ins for the procfs hooks, for a kernel whose process library does not define them
// yet: one process, 1, with one thread, whose descriptors and file system context are the
// current ones. Weak, so the process library's definitions replace them at link time. Memory
// comes from the frame allocator.
#include <cstring>

#include <fs/procfs.h>
#include <mm/memory.h>

namespace fs::procfs {

namespace {

constexpr int only_pid = 1;

ErrorOr<void> check_pid(int pid)
{
    if (pid != only_pid)
        return Error(ENOENT);
    return {};
}

void copy_name(char (&field)[65], char const* text)
{
    size_t length = strnlen(text, sizeof(field) - 1);
    memcpy(field, text, length);
    field[length] = '\0';
}

ErrorOr<Vector<int>> only_process()
{
    Vector<int> ids;
    TRY(ids.try_append(only_pid));
    return ids;
}

}

[[gnu::weak]] int current_pid() { return only_pid; }
[[gnu::weak]] int current_tid() { return only_pid; }

[[gnu::weak]] ErrorOr<Vector<int>> process_ids() { return only_process(); }

[[gnu::weak]] ErrorOr<Vector<int>> thread_ids(int pid)
{
    TRY(check_pid(pid));
    return only_process();
}

[[gnu::weak]] ErrorOr<TaskInfo> task_info(int tid)
{
    TRY(check_pid(tid));
    // The name and the accounting are the process library's to know.
    return TaskInfo { .pid = only_pid, .tgid = only_pid, .pgid = only_pid, .sid = only_pid };
}

[[gnu::weak]] ErrorOr<RefPtr<OpenFileDescription>> executable(int pid)
{
    TRY(check_pid(pid));
    return Error(ENOENT);
}

[[gnu::weak]] ErrorOr<RefPtr<FsContext>> fs_context(int pid)
{
    TRY(check_pid(pid));
    return RefPtr<FsContext>(current_fs_context());
}

[[gnu::weak]] ErrorOr<RefPtr<FdTable>> fd_table(int pid)
{
    TRY(check_pid(pid));
    return RefPtr<FdTable>(current_fd_table());
}

[[gnu::weak]] ErrorOr<Vector<uint8_t>> command_line(int pid)
{
    TRY(check_pid(pid));
    return Vector<uint8_t>();
}

[[gnu::weak]] ErrorOr<Vector<uint8_t>> environment(int pid)
{
    TRY(check_pid(pid));
    return Vector<uint8_t>();
}

[[gnu::weak]] ErrorOr<String> memory_map(int pid)
{
    TRY(check_pid(pid));
    return String();
}

[[gnu::weak]] ErrorOr<Vector<uint32_t>> supplementary_groups(int pid)
{
    TRY(check_pid(pid));
    return Vector<uint32_t>();
}

[[gnu::weak]] SystemInfo system_info()
{
    SystemInfo info;
    copy_name(info.host_name, "unifork");
    copy_name(info.release, "6.1.0-unifork");
    copy_name(info.version, "#1 unifork 0.1.0");
    return info;
}

// Every free frame is available: nothing the kernel holds (no page cache) could be reclaimed.
[[gnu::weak]] MemoryInfo memory_info()
{
    uint64_t const total = mm::total_frame_count() * mm::page_size;
    uint64_t const free = mm::free_frame_count() * mm::page_size;
    return MemoryInfo { .total_bytes = total, .free_bytes = free, .available_bytes = free };
}

}
