#include <arch/traps.h>
#include <binfmt/launch.h>
#include <binfmt/registry.h>
#include <fs/devfs.h>
#include <fs/fd_table.h>
#include <fs/fs_context.h>
#include <fs/initrd.h>
#include <fs/open_file_description.h>
#include <fs/path_walk.h>
#include <fs/vfs.h>
#include <lib/format.h>
#include <mm/memory.h>
#include <plat/power.h>
#include <process/boot.h>
#include <process/exec.h>
#include <process/process.h>
#include <syscall/trace.h>

namespace process {

namespace {

constexpr std::string_view launch_path = "/.unifork/launch";
constexpr std::string_view launch_directory = "/.unifork";
constexpr int status_cannot_execute = 126;
constexpr int status_not_found = 127;
constexpr int status_unifork_failure = 125;

[[noreturn]] void refuse_boot(char const* what, char const* reason)
{
    char line[320];
    size_t length = lib::format(line, sizeof(line), "unifork: %s: %s\n", what, reason);
    syscall::diagnostic_bytes(line, length);
    plat::exit_vm_exited(status_unifork_failure);
}

// A fault the application's own code raised and the kernel could not resolve: the process
// dies of the signal, as on Linux when no handler is installed.
void application_fault(arch::RegisterFrame&, int signal, int, uint64_t)
{
    kill_process(signal);
}

ErrorOr<Vector<uint8_t>> read_whole_file(fs::FsContext& context, std::string_view path)
{
    fs::PathWalker walker(context);
    auto inode = TRY(walker.resolve(context.root(), path, fs::Follow::No));
    if (!inode->is_regular_file())
        return Error(EINVAL);
    auto description = TRY(fs::OpenFileDescription::create(inode, O_RDONLY));
    Vector<uint8_t> bytes;
    TRY(bytes.try_resize(size_t(inode->size())));
    size_t read = TRY(description->read_at(0, bytes.span()));
    bytes.shrink(read);
    return bytes;
}

char const* errno_message(int code)
{
    switch (code) {
    case ENOENT:
        return "program not found";
    case EACCES:
        return "permission denied";
    case ENOEXEC:
        return "exec format error";
    case ENOMEM:
        return "not enough memory to load it (try a larger --mem)";
    case E2BIG:
        return "argument list too long";
    case ENOTDIR:
        return "a path component is not a directory";
    case ELOOP:
        return "too many levels of symbolic links";
    case ENAMETOOLONG:
        return "file name too long";
    default:
        return "cannot execute";
    }
}

}

void boot_first_process(std::span<uint8_t const> initrd, uint64_t initrd_physical)
{
    auto initialized = fs::initialize_root();
    if (initialized.is_error())
        refuse_boot("root file system", "out of memory");
    char const* reason = nullptr;
    auto unpacked = fs::unpack_initrd(initrd, &reason);
    if (unpacked.is_error())
        refuse_boot("malformed initrd", reason ? reason : "unpacking failed");
    if (!initrd.empty())
        mm::release_reserved_range(initrd_physical, initrd_physical + initrd.size());

    auto created = Process::create();
    if (created.is_error())
        refuse_boot("first process", "out of memory");
    auto process = created.release_value();
    process->replace_address_space(MUST(mm::AddressSpace::create()));
    if (fs::open_console_descriptors(process->fd_table()).is_error())
        refuse_boot("console", "cannot open /dev/console");

    auto& context = process->fs_context();
    auto launch_bytes = read_whole_file(context, launch_path);
    if (launch_bytes.is_error())
        refuse_boot("launch file", "/.unifork/launch is missing from the initrd");
    binfmt::Diagnostic diagnostic;
    auto parsed = binfmt::parse_launch_file(launch_bytes.value().span(), diagnostic);
    if (parsed.is_error())
        refuse_boot("malformed launch file", diagnostic.has_message() ? diagnostic.message() : "out of memory");
    auto launch = parsed.release_value();
    // The launch file is the CLI's message to the kernel, not part of the application's root.
    (void)fs::unlink(context, context.root(), launch_path);
    (void)fs::remove_directory(context, context.root(), launch_directory);

    syscall::set_trace_enabled(launch.trace_syscalls);
    if (launch.hostname)
        set_hostname(launch.hostname->view());
    arch::set_fatal_signal_handler(application_fault);
    if (binfmt::register_builtin_formats(binfmt::registry()).is_error())
        refuse_boot("executable formats", "registration failed");

    Vector<std::string_view> arguments;
    Vector<std::string_view> environment;
    for (auto const& argument : launch.arguments)
        MUST(arguments.try_append(argument.view()));
    for (auto const& variable : launch.environment)
        MUST(environment.try_append(variable.view()));

    arch::RegisterFrame frame {};
    diagnostic.clear();
    auto executed = execute(*process, launch.path.view(), arguments.span(), environment.span(), frame, diagnostic);
    if (executed.is_error()) {
        int code = executed.error().code();
        char line[512];
        size_t length = lib::format(line, sizeof(line), "unifork: %s: %s\n", launch.path.c_str(),
            diagnostic.has_message() ? diagnostic.message() : errno_message(code));
        syscall::diagnostic_bytes(line, length);
        plat::exit_vm_exited(code == ENOENT || code == ENOTDIR ? status_not_found : status_cannot_execute);
    }
    process.leak(); // lives until the VM stops
    arch::enter_frame(frame);
}

}
