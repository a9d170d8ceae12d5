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
#include <plat/clock.h>
#include <plat/interrupts.h>
#include <plat/power.h>
#include <process/boot.h>
#include <process/exec.h>
#include <process/lifecycle.h>
#include <process/process.h>
#include <sched/thread.h>
#include <signal/delivery.h>
#include <signal/signal_state.h>
#include <config.h>
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
void application_fault(arch::RegisterFrame&, int signal, int code, uint64_t address)
{
    // A page the process has mapped but may not touch that way is an access error, not a
    // missing mapping, whatever the page table said.
    constexpr int sigsegv = 11, segv_maperr = 1, segv_accerr = 2;
    auto& process = current();
    if (signal == sigsegv && code == segv_maperr && process.has_address_space() && process.address_space().find_region(address))
        code = segv_accerr;
#ifdef CONFIG_SIGNAL
    // Delivered on the way back to the application: its handler runs, or it dies of it.
    signal::force_to_thread(current_thread(), signal, signal::PendingInfo { .code = code, .pid = 0, .status = 0, .address = address });
#else
    (void)code;
    (void)address;
    process.terminate(signaled_status(signal));
    exit_thread();
#endif
}

int s_application_pid = 0;

// A signal sent to `unifork run` on the host (Ctrl-C, SIGTERM): the application gets it, as
// the main process of a container gets the one `docker stop` sends. Runs in the interrupt
// handler; delivery happens on the application's way back to its code.
void deliver_host_signal(int signal)
{
    Process* application = find_process(s_application_pid);
    if (!application)
        return;
#ifdef CONFIG_SIGNAL
    signal::send_to_process(*application, signal, signal::PendingInfo { .code = signal::si_user, .pid = 0, .status = 0, .address = 0 });
#else
    // Without signals, one whose default action ends a process ends it; the others (SIGCHLD,
    // SIGCONT, the stop signals, SIGURG, SIGWINCH) have nothing to do.
    if ((signal >= 17 && signal <= 23) || signal == 28)
        return;
    application->terminate(signaled_status(signal));
#endif
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

// The resources every process has; later ones get theirs from their parent.
ErrorOr<void> init_resources(Process& process)
{
    process.fd_table_ref() = TRY(fs::FdTable::create());
    process.fs_context_ref() = TRY(fs::FsContext::create(fs::root_directory()));
#ifdef CONFIG_SIGNAL
    process.signal_state_owner() = TRY(try_make<signal::SignalState>());
#endif
    return {};
}

#ifdef CONFIG_INIT
void stop_gracefully(Process& process)
{
#ifdef CONFIG_SIGNAL
    signal::send_to_process(process, signal::sigterm, signal::PendingInfo { .code = signal::si_user, .pid = 1, .status = 0, .address = 0 });
#else
    process.terminate(signaled_status(9));
#endif
}

// PID 1: reaps every process that ends up its child; when the application (its first child)
// has exited, sends SIGTERM to whatever is left, SIGKILL after the grace period, and powers
// off with the application's status once everything is gone.
void run_init(void* application)
{
    auto& self = current();
    int application_pid = static_cast<Process*>(application)->pid();
    int application_status = -1;
    uint64_t stop_deadline = 0;
    for (;;) {
        for (auto it = self.children().begin(); it != self.children().end();) {
            Process& child = *it;
            ++it;
            if (!child.is_zombie())
                continue;
            if (child.pid() == application_pid)
                application_status = child.exit_status();
            child.reap();
        }
        if (application_status >= 0) {
            if (self.children().is_empty() && all_processes().size_slow() == 1)
                power_off(application_status);
            uint64_t now = plat::monotonic_nanoseconds();
            if (!stop_deadline) {
                // Ask what is left to leave, then force it once the grace period is over.
                stop_deadline = now + uint64_t(CONFIG_INIT_GRACE_PERIOD_MS) * 1'000'000 + 1;
                for (auto& process : all_processes())
                    if (&process != &self && !process.is_zombie())
                        stop_gracefully(process);
            } else if (now >= stop_deadline) {
                for (auto& process : all_processes())
                    if (&process != &self && !process.is_zombie())
                        process.terminate(signaled_status(9));
            }
        }
        self.child_events.wait(stop_deadline && plat::monotonic_nanoseconds() < stop_deadline ? stop_deadline : 0);
    }
}
#endif

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

    sched::initialize();
    initialize_scheduling();
    arch::set_return_to_user_hook(prepare_return_to_user);

#ifdef CONFIG_INIT
    auto init_created = Process::create(nullptr);
    if (init_created.is_error())
        refuse_boot("init", "out of memory");
    Process* init = init_created.release_value();
    if (init_resources(*init).is_error())
        refuse_boot("init", "out of memory");
    auto created = Process::create(init);
    // The application leads a process group of its own in init's session, as a job a shell
    // starts.
    if (!created.is_error())
        created.value()->set_pgid(created.value()->pid());
#else
    auto created = Process::create(nullptr);
#endif
    if (created.is_error())
        refuse_boot("first process", "out of memory");
    Process* process = created.release_value();
    if (init_resources(*process).is_error())
        refuse_boot("first process", "out of memory");
    auto space = initial_address_space();
    if (space.is_error())
        refuse_boot("first process", "out of memory");
    process->set_address_space(space.release_value());

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

    // The application's standard streams are terminals where the CLI's are.
    fs::ConsoleSetup console_setup { launch.stdin_terminal, launch.stdout_terminal, launch.stderr_terminal };
    if (fs::open_console_descriptors(process->fd_table(), console_setup).is_error())
        refuse_boot("console", "cannot open /dev/console");
    if (launch.window_size)
        fs::set_console_window_size(launch.window_size->rows, launch.window_size->columns);

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
    auto executed = execute(*process, nullptr, launch.path.view(), arguments.span(), environment.span(), frame, diagnostic);
    if (executed.is_error()) {
        int code = executed.error().code();
        char line[512];
        size_t length = lib::format(line, sizeof(line), "unifork: %s: %s\n", launch.path.c_str(),
            diagnostic.has_message() ? diagnostic.message() : errno_message(code));
        syscall::diagnostic_bytes(line, length);
        plat::exit_vm_exited(code == ENOENT || code == ENOTDIR ? status_not_found : status_cannot_execute);
    }
    auto thread = sched::Thread::create_user(process, process->pid(), frame);
    if (thread.is_error())
        refuse_boot("first process", "out of memory");
    process->add_thread(*thread.value());
    s_application_pid = process->pid();
    plat::set_host_signal_handler(deliver_host_signal);
    sched::start(*thread.value());
#ifdef CONFIG_INIT
    auto init_thread = sched::Thread::create_kernel(init, init->pid(), run_init, process);
    if (init_thread.is_error())
        refuse_boot("init", "out of memory");
    init->add_thread(*init_thread.value());
    sched::start(*init_thread.value());
#endif
    // The boot context has done its work; its stack is not needed any more.
    sched::exit_current();
}

}
