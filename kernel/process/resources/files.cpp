// Descriptor tables and file system contexts: shared with CLONE_FILES / CLONE_FS, copied
// otherwise.
#include <fs/fd_table.h>
#include <fs/fs_context.h>
#include <process/process.h>

namespace {

constexpr uint64_t clone_fs = 0x200, clone_files = 0x400;

ErrorOr<void> fork_files(process::Process& parent, process::Process& child, uint64_t flags)
{
    child.fd_table_ref() = (flags & clone_files) ? parent.fd_table_ref() : TRY(parent.fd_table().try_clone());
    return {};
}

// execve(2) gives the process a table of its own (a vfork child sharing its parent's keeps
// the parent's descriptors out of reach) and closes the close-on-exec descriptors.
void exec_files(process::Process& process)
{
    auto& table = process.fd_table_ref();
    if (table->ref_count() > 1) {
        if (auto copy = table->try_clone(); !copy.is_error())
            table = copy.release_value();
    }
    table->close_on_exec_all();
}

void exit_files(process::Process& process) { process.fd_table_ref().clear(); }

ErrorOr<void> fork_fs(process::Process& parent, process::Process& child, uint64_t flags)
{
    child.fs_context_ref() = (flags & clone_fs) ? parent.fs_context_ref() : TRY(parent.fs_context().try_clone());
    return {};
}

void exit_fs(process::Process& process) { process.fs_context_ref().clear(); }

}

PROCESS_LIFECYCLE_HOOKS(files, "files", fork_files, exec_files, exit_files);
PROCESS_LIFECYCLE_HOOKS(fs_context, "fs context", fork_fs, nullptr, exit_fs);
