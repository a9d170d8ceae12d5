#include "cli/command_line.h"

#include "common/failure.h"

#include <CLI/CLI.hpp>
#include <algorithm>

#ifndef UNIFORK_VERSION
#    define UNIFORK_VERSION "unknown"
#endif

namespace unifork::cli {

namespace {

constexpr char const* exit_status_text = R"(Exit status:
  0..255  the program's own exit status (0 when a process powered the VM
          off with reboot(2), as `busybox poweroff -f` does)
  128+N   the program was killed by signal N; also when unifork stopped the
          VM after a signal S it received (see above): 128+S, e.g. 130 for
          SIGINT and 143 for SIGTERM
  123     the kernel panicked or the VM crashed
  124     --timeout expired
  125     usage error, or unifork itself failed (QEMU or the kernel image
          missing, initrd not writable, ...)
  126     the program exists but cannot be executed (not an ELF, wrong
          architecture, dynamically linked, a directory)
  127     the program was not found)";

constexpr char const* run_footer = R"(
Everything after <program> is passed to it verbatim, even arguments that look
like unifork options: `unifork run /bin/busybox ls -l` runs `ls -l`.

The guest's root filesystem:
  Without --rootfs it holds only /tmp and the program itself, at the same
  absolute path as on the host (a name without '/' is looked up in $PATH).
  With --rootfs DIR it is a copy of DIR (modes and symbolic links kept;
  sockets, devices and FIFOs skipped) and <program> is a guest path; a name
  without '/' is looked up in the guest's /bin:/usr/bin:/sbin:/usr/sbin.
  --add copies more files or directories in; later additions win.

The guest's environment starts empty, as with `docker run`: only the
variables given with --env are set.

The program's stdout and stderr arrive on unifork's stdout and stderr, byte for
byte.

Signals: SIGINT (Ctrl-C), SIGTERM, SIGHUP or SIGQUIT sent to unifork is passed on
to the program as the same signal, so it can shut down cleanly; unifork then
exits with the program's own status (a program that dies of SIGINT: 130). A
second such signal, or --stop-timeout seconds without the program exiting,
stops the VM at once, and unifork exits 128 + the first signal's number
(130 for Ctrl-C, 143 for SIGTERM). A signal unifork was started with ignored
(nohup) stays ignored.

The kernel image is, in order: --kernel, $UNIFORK_KERNEL, unifork-kernel
next to the unifork executable, or in the directory above it.
)";

void add_run_options(CLI::App& run, std::string& memory, std::string& accelerator, std::string& timeout, std::string& stop_timeout, RunOptions& options,
    std::vector<std::string>& additions, std::vector<std::string>& environment, std::string& program, std::vector<std::string>& program_arguments)
{
    run.add_option("--mem", memory, "Guest memory: 512M, 1G, or a number of MiB (default 128M, at least 4M)")->type_name("SIZE");
    run.add_option("--accel", accelerator, "Accelerator: auto picks kvm when /dev/kvm opens read-write, else tcg (default auto)")
        ->type_name("MODE")
        ->check(CLI::IsMember({ "auto", "kvm", "tcg" }));
    run.add_option("--timeout", timeout, "Stop the VM after SECONDS (fractions allowed) and exit with 124")->type_name("SECONDS");
    run.add_option("--stop-timeout", stop_timeout,
           "After passing a signal on to the program, stop the VM if it has not exited within SECONDS (default 10; 0: at once)")
        ->type_name("SECONDS");
    run.add_option("--rootfs", options.rootfs, "Use the contents of DIR as the guest's root filesystem")->type_name("DIR");
    run.add_option("--add", additions, "Copy a host file or directory into the guest (repeatable)")
        ->type_name("HOST_PATH:GUEST_PATH")
        ->allow_extra_args(false);
    run.add_option("--env", environment, "Set a variable in the guest's (otherwise empty) environment (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    run.add_flag("--trace-syscalls", options.trace_syscalls, "Have the kernel log every system call on stderr");
    run.add_option("--kernel", options.kernel, "Kernel image to boot")->type_name("PATH");
    run.add_option("--qemu", options.qemu, "qemu-system-x86_64 to use (default: found in $PATH)")->type_name("PATH");
    run.add_option("--keep-initrd", options.keep_initrd, "Write the initrd to PATH and keep it after the run")->type_name("PATH");
    // Declared for the help text; the command line is split before CLI11 sees it (see below).
    run.add_option("program", program, "The program to run")->type_name("PROGRAM")->required();
    run.add_option("args", program_arguments, "Its arguments, passed verbatim")->type_name("ARG");
}

// Where the program starts among the arguments of `run`, or arguments.size() when there is none.
// CLI11 would otherwise parse options that follow the program as unifork's own, so the split
// happens here, using CLI11's own knowledge of which options take a value.
std::size_t find_program(CLI::App& run, std::vector<std::string> const& arguments, std::size_t first, bool& after_separator)
{
    after_separator = false;
    for (std::size_t index = first; index < arguments.size(); ++index) {
        auto const& argument = arguments[index];
        if (argument == "--") {
            after_separator = true;
            return index + 1;
        }
        if (argument.size() < 2 || argument[0] != '-')
            return index;
        if (argument.find('=') != std::string::npos)
            continue;
        auto const* option = run.get_option_no_throw(argument);
        if (!option)
            return arguments.size(); // let CLI11 report the unknown option
        if (option->get_items_expected_min() > 0)
            ++index;
    }
    return arguments.size();
}

}

ParsedCommandLine parse_command_line(std::vector<std::string> const& arguments, std::ostream& out, std::ostream& err)
{
    CLI::App app { "unifork runs an unmodified static Linux x86_64 program in a QEMU virtual machine.", "unifork" };
    app.set_version_flag("--version", "unifork " UNIFORK_VERSION);
    app.require_subcommand(1);
    app.footer(std::string("\n") + exit_status_text);

    RunOptions options;
    std::string memory = "128M", accelerator = "auto", timeout, stop_timeout;
    std::vector<std::string> additions, environment, program_arguments;
    auto* run = app.add_subcommand("run", "Run a program in a new VM");
    add_run_options(*run, memory, accelerator, timeout, stop_timeout, options, additions, environment, options.program, program_arguments);
    run->footer(std::string(run_footer) + "\n" + exit_status_text);

    // Arguments CLI11 parses: top-level options, "run", run's options and the program itself.
    std::vector<std::string> for_cli11;
    std::vector<std::string> verbatim;
    std::size_t index = 1;
    while (index < arguments.size() && arguments[index].starts_with('-'))
        for_cli11.push_back(arguments[index++]);
    if (index < arguments.size()) {
        for_cli11.push_back(arguments[index]);
        if (arguments[index] == "run") {
            bool after_separator;
            auto program_index = find_program(*run, arguments, index + 1, after_separator);
            auto end = std::min(program_index + 1, arguments.size());
            for (auto position = index + 1; position < end; ++position)
                for_cli11.push_back(arguments[position]);
            if (program_index < arguments.size())
                verbatim.assign(arguments.begin() + static_cast<std::ptrdiff_t>(program_index) + 1, arguments.end());
        } else {
            for (auto position = index + 1; position < arguments.size(); ++position)
                for_cli11.push_back(arguments[position]);
        }
    }

    try {
        std::reverse(for_cli11.begin(), for_cli11.end());
        app.parse(for_cli11);
    } catch (CLI::ParseError const& error) {
        if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
            app.exit(error, out, err);
            return { std::nullopt, 0 };
        }
        err << "unifork: " << error.what() << "\n";
        err << "Run 'unifork --help' or 'unifork run --help' for more information.\n";
        return { std::nullopt, exit_usage };
    }

    try {
        options.memory_mib = parse_memory_size(memory);
        options.accelerator = accelerator == "kvm" ? AcceleratorChoice::Kvm
            : accelerator == "tcg"                 ? AcceleratorChoice::Tcg
                                                   : AcceleratorChoice::Auto;
        if (!timeout.empty() || run->count("--timeout") > 0)
            options.timeout_seconds = parse_timeout(timeout);
        if (!stop_timeout.empty() || run->count("--stop-timeout") > 0)
            options.stop_timeout_seconds = parse_stop_timeout(stop_timeout);
        for (auto const& addition : additions)
            options.additions.push_back(parse_add_mapping(addition));
        options.environment = build_environment(environment);
        if (options.rootfs && options.rootfs->empty())
            throw UsageError("--rootfs: the directory name is empty");
    } catch (UsageError const& error) {
        err << "unifork: " << error.what() << "\n";
        return { std::nullopt, exit_usage };
    }
    options.arguments = std::move(verbatim);
    return { std::move(options), 0 };
}

}
