// execve(2) and execveat(2).
#include <config.h>
#include <fs/fd_table.h>
#include <fs/fs_context.h>
#include <fs/open_file_description.h>
#include <fs/vfs.h>
#include <lib/format.h>
#include <lib/user_memory.h>
#include <process/exec.h>
#include <process/process.h>
#include <syscall/syscall.h>

#ifdef CONFIG_MULTIPROCESS

namespace process {

namespace {

constexpr size_t max_string_length = 32 * 4096; // MAX_ARG_STRLEN
constexpr size_t max_strings = 0x7fff'ffff;     // MAX_ARG_STRINGS

ErrorOr<String> read_user_string(uint64_t address, size_t limit)
{
    return copy_string_from_user(address, limit, limit == max_string_length ? E2BIG : ENAMETOOLONG);
}

// argv or envp: pointers up to a null one. A null array is an empty list, as Linux allows.
ErrorOr<Vector<String>> read_string_array(uint64_t address)
{
    Vector<String> strings;
    if (!address)
        return strings;
    for (size_t index = 0;; ++index) {
        if (index >= max_strings)
            return Error(E2BIG);
        uint64_t pointer = TRY(UserPtr<uint64_t>(address + index * sizeof(uint64_t)).read());
        if (!pointer)
            break;
        TRY(strings.try_append(TRY(read_user_string(pointer, max_string_length))));
    }
    return strings;
}

ErrorOr<long> do_execve(int dirfd, uint64_t path_address, uint64_t argv, uint64_t envp, int flags)
{
    constexpr int at_empty_path = 0x1000, at_symlink_nofollow = 0x100;
    if (flags & ~(at_empty_path | at_symlink_nofollow))
        return Error(EINVAL);
    auto path = TRY(read_user_string(path_address, 4096));
    auto arguments = TRY(read_string_array(argv));
    auto environment = TRY(read_string_array(envp));
    Vector<std::string_view> argument_views;
    Vector<std::string_view> environment_views;
    for (auto const& argument : arguments)
        TRY(argument_views.try_append(argument.view()));
    for (auto const& variable : environment)
        TRY(environment_views.try_append(variable.view()));

    auto& process = current();
    auto& thread = current_thread();
    auto& context = process.fs_context();
    if (path.view().empty() && !(flags & at_empty_path))
        return Error(ENOENT);
    RefPtr<fs::OpenFileDescription> description;
    if (path.view().empty()) {
        description = TRY(process.fd_table().get(dirfd));
        if (description->is_path_only())
            return Error(EACCES);
    } else {
        auto base = TRY(fs::base_for(process.fd_table(), context, dirfd, path.view()));
        auto inode = TRY(fs::resolve_path(context, *base, path.view(), (flags & at_symlink_nofollow) ? fs::Follow::No : fs::Follow::Yes));
        if (inode->is_symlink())
            return Error(ELOOP);
        if (!inode->is_regular_file())
            return Error(EACCES);
        description = TRY(fs::open(context, *base, path.view(), O_RDONLY, 0));
    }
    // The name the new program sees: the path, or /dev/fd/N for a descriptor (Linux's rule).
    String name;
    bool path_inaccessible = false;
    if (path.view().empty() || (path.view()[0] != '/' && dirfd != -100)) {
        path_inaccessible = TRY(process.fd_table().close_on_exec(dirfd));
        char buffer[4200];
        size_t length = path.view().empty() ? lib::format(buffer, sizeof(buffer), "/dev/fd/%d", dirfd)
                                             : lib::format(buffer, sizeof(buffer), "/dev/fd/%d/%s", dirfd, path.c_str());
        name = TRY(String::try_create({ buffer, length }));
    } else {
        name = TRY(path.try_clone());
    }
    binfmt::Diagnostic diagnostic;
    TRY(execute_description(process, &thread, std::move(description), name.view(), argument_views.span(), environment_views.span(), thread.user_frame(), diagnostic, path_inaccessible));
    return 0;
}

}

}

// execve(2)
SYSCALL_HANDLER(execve) { return process::do_execve(-100, args[0], args[1], args[2], 0); }

// execveat(2)
SYSCALL_HANDLER(execveat) { return process::do_execve(args.as_int(0), args[1], args[2], args[3], args.as_int(4)); }

#endif
