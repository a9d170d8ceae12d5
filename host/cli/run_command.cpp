#include "cli/run_command.h"

#include "cli/program_lookup.h"
#include "common/failure.h"
#include "initrd/cpio_writer.h"
#include "initrd/initrd_tree.h"
#include "initrd/launch_file.h"
#include "qemu/virtual_machine.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace unifork::cli {

namespace {

bool is_regular_file(std::string const& path)
{
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode);
}

std::string parent_directory(std::string const& path)
{
    auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    if (slash == 0)
        return "/";
    return path.substr(0, slash);
}

// Where the initrd is written: the --keep-initrd path, which stays, or an anonymous temporary
// file. That one is unlinked as soon as it exists and reached through /dev/fd/N, by us and by
// QEMU, which inherits the descriptor: nothing is left behind even when the CLI is SIGKILLed.
class InitrdFile {
public:
    InitrdFile(std::optional<std::string> const& keep_path, std::string const& temporary_directory)
    {
        if (keep_path) {
            m_path = *keep_path;
            return;
        }
        auto pattern = temporary_directory + "/unifork-initrd-XXXXXX";
        m_descriptor = ::mkostemp(pattern.data(), O_CLOEXEC);
        if (m_descriptor < 0)
            throw Failure(exit_usage, "cannot create a temporary initrd in " + temporary_directory + ": " + std::strerror(errno));
        ::unlink(pattern.c_str());
        m_path = "/dev/fd/" + std::to_string(m_descriptor);
    }
    ~InitrdFile()
    {
        if (m_descriptor >= 0)
            ::close(m_descriptor);
    }
    InitrdFile(InitrdFile const&) = delete;
    InitrdFile& operator=(InitrdFile const&) = delete;

    std::string const& path() const { return m_path; }
    // The descriptor QEMU must inherit, or -1 when the path is an ordinary file.
    int descriptor() const { return m_descriptor; }

private:
    std::string m_path;
    int m_descriptor { -1 };
};

std::string signal_name(int signal)
{
    switch (signal) {
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    case SIGHUP:
        return "SIGHUP";
    case SIGQUIT:
        return "SIGQUIT";
    default:
        return "signal " + std::to_string(signal);
    }
}

std::string format_seconds(double seconds)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", seconds);
    return buffer;
}

}

HostContext HostContext::current()
{
    HostContext host;
    if (auto const* path = std::getenv("PATH"))
        host.path_variable = path;
    else
        host.path_variable = "/usr/local/bin:/usr/bin:/bin";
    if (auto* directory = ::getcwd(nullptr, 0)) {
        host.working_directory = directory;
        std::free(directory);
    } else {
        host.working_directory = "/";
    }
    char executable[4096];
    auto length = ::readlink("/proc/self/exe", executable, sizeof executable - 1);
    host.executable_directory = length > 0 ? parent_directory(std::string(executable, static_cast<std::size_t>(length))) : ".";
    if (auto const* kernel = std::getenv("UNIFORK_KERNEL"); kernel && *kernel)
        host.kernel_variable = kernel;
    auto const* temporary = std::getenv("TMPDIR");
    host.temporary_directory = temporary && *temporary ? temporary : "/tmp";
    host.stdin_terminal = ::isatty(0) == 1;
    host.stdout_terminal = ::isatty(1) == 1;
    host.stderr_terminal = ::isatty(2) == 1;
    for (int descriptor : { 0, 1, 2 }) {
        if (::isatty(descriptor) != 1)
            continue;
        struct winsize size {};
        if (::ioctl(descriptor, TIOCGWINSZ, &size) == 0 && size.ws_row > 0 && size.ws_col > 0)
            host.window_size = std::pair<unsigned, unsigned> { size.ws_row, size.ws_col };
        break;
    }
    return host;
}

std::string locate_kernel(std::optional<std::string> const& option, HostContext const& host)
{
    if (option) {
        if (!is_regular_file(*option))
            throw UsageError("--kernel: kernel image not found: " + *option);
        return *option;
    }
    if (host.kernel_variable) {
        if (!is_regular_file(*host.kernel_variable))
            throw UsageError("UNIFORK_KERNEL: kernel image not found: " + *host.kernel_variable);
        return *host.kernel_variable;
    }
    for (auto const& candidate : { host.executable_directory + "/unifork-kernel", host.executable_directory + "/../unifork-kernel" }) {
        if (is_regular_file(candidate))
            return candidate;
    }
    throw UsageError("kernel image not found: looked for unifork-kernel in " + host.executable_directory
        + " and its parent (build the unifork-kernel target, or give --kernel or UNIFORK_KERNEL)");
}

std::string locate_qemu(std::optional<std::string> const& option, HostContext const& host)
{
    if (option) {
        if (::access(option->c_str(), X_OK) != 0 || !is_regular_file(*option))
            throw UsageError("QEMU not found at " + *option + " (install qemu-system-x86)");
        return *option;
    }
    if (auto found = find_host_executable("qemu-system-x86_64", host.path_variable))
        return *found;
    throw UsageError("QEMU not found (install qemu-system-x86)");
}

int run_program(RunOptions const& options, HostContext const& host, std::ostream& err)
{
    auto warn = [&](std::string const& message) { err << "unifork: warning: " << message << std::endl; };

    auto qemu_path = locate_qemu(options.qemu, host);
    auto kernel_path = locate_kernel(options.kernel, host);

    auto now = static_cast<std::int64_t>(std::time(nullptr));
    initrd::InitrdTree tree(now);
    std::string guest_program;
    if (options.rootfs) {
        struct stat status {};
        if (::stat(options.rootfs->c_str(), &status) != 0)
            throw UsageError("--rootfs: " + *options.rootfs + ": " + std::strerror(errno));
        if (!S_ISDIR(status.st_mode))
            throw UsageError("--rootfs: " + *options.rootfs + ": not a directory");
        tree.add_host_path(*options.rootfs, "/", warn);
    } else {
        // A scratch directory most programs expect; nothing else, so the guest sees only what
        // was asked for.
        tree.add_directory("/tmp", 01777, now);
        auto program = find_host_program(options.program, host.path_variable, host.working_directory);
        struct stat status {};
        if (::stat(program.host_path.c_str(), &status) != 0)
            throw Failure(exit_not_found, options.program + ": program not found");
        tree.add_host_file(program.guest_path, program.host_path, status.st_mode, status.st_mtime, static_cast<std::uint64_t>(status.st_size));
        guest_program = program.guest_path;
    }
    for (auto const& addition : options.additions) {
        struct stat status {};
        if (::lstat(addition.host_path.c_str(), &status) != 0)
            throw UsageError("--add: " + addition.host_path + ": " + std::strerror(errno));
        tree.add_host_path(addition.host_path, addition.guest_path, warn);
    }
    // Looked up after --add, so a program added into the root filesystem is found too.
    guest_program = find_guest_program(tree, options.rootfs ? options.program : guest_program);

    initrd::LaunchRequest request;
    request.path = guest_program;
    request.arguments.push_back(options.program);
    request.arguments.insert(request.arguments.end(), options.arguments.begin(), options.arguments.end());
    request.environment = options.environment;
    request.trace_syscalls = options.trace_syscalls;
    request.stdin_terminal = host.stdin_terminal;
    request.stdout_terminal = host.stdout_terminal;
    request.stderr_terminal = host.stderr_terminal;
    request.window_size = host.window_size;
    tree.add_directory("/.unifork", 0700, now);
    tree.add_inline_file(initrd::launch_file_path, initrd::encode_launch_file(request), 0400, now);

    InitrdFile initrd_file(options.keep_initrd, host.temporary_directory);
    {
        std::ofstream stream(initrd_file.path(), std::ios::binary | std::ios::trunc);
        if (!stream)
            throw Failure(exit_usage, "cannot write the initrd to " + initrd_file.path());
        initrd::CpioWriter writer(stream, now);
        tree.write_to(writer);
        writer.finish();
        stream.close();
        if (!stream)
            throw Failure(exit_usage, "cannot write the initrd to " + initrd_file.path());
    }

    qemu::RunSettings settings;
    settings.configuration.qemu_path = qemu_path;
    settings.configuration.kernel_path = kernel_path;
    settings.configuration.initrd_path = initrd_file.path();
    if (initrd_file.descriptor() >= 0)
        settings.inherited_descriptors.push_back(initrd_file.descriptor());
    settings.configuration.memory_mib = options.memory_mib;
    bool use_kvm = options.accelerator == AcceleratorChoice::Kvm
        || (options.accelerator == AcceleratorChoice::Auto && qemu::kvm_is_available());
    settings.configuration.accelerator = use_kvm ? qemu::Accelerator::Kvm : qemu::Accelerator::Tcg;
    if (options.timeout_seconds)
        settings.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(*options.timeout_seconds * 1000.0 + 0.5));
    settings.warn = warn;
    // Read only as the application asks for it (docs/protocol.md, "Standard input").
    settings.input_source = 0;

    settings.stop_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(options.stop_timeout_seconds * 1000.0 + 0.5));

    auto outcome = qemu::run_virtual_machine(settings);
    if (outcome.forced_stop) {
        // As if the signal had killed the program: a second Ctrl-C ends `unifork run` with 130.
        if (outcome.forced_by != 0)
            err << "unifork: " << signal_name(outcome.forced_by) << " again: stopped the VM" << std::endl;
        else
            err << "unifork: the program did not exit within " << format_seconds(options.stop_timeout_seconds) << " s of "
                << signal_name(outcome.interrupted_by) << ": stopped the VM" << std::endl;
        return 128 + outcome.interrupted_by;
    }
    if (outcome.timed_out) {
        err << "unifork: timed out after " << format_seconds(*options.timeout_seconds) << " s" << std::endl;
        return exit_timeout;
    }
    if (outcome.output_closed)
        return 128 + SIGPIPE;
    if (outcome.record)
        return qemu::exit_status_for(*outcome.record);
    // QEMU's own words say why when it refused to start or stopped unexpectedly.
    if (!outcome.qemu_diagnostics.empty()) {
        err << outcome.qemu_diagnostics;
        if (!outcome.qemu_diagnostics.ends_with('\n'))
            err << '\n';
    }
    err << "unifork: the VM stopped without reporting an exit status" << std::endl;
    return exit_kernel_crash;
}

}
