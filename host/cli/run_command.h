#pragma once

#include "cli/command_line.h"

#include <optional>
#include <ostream>
#include <string>
#include <utility>

namespace unifork::cli {

// What the CLI takes from the host it runs on, gathered in one place so tests can vary it.
struct HostContext {
    std::string path_variable;               // $PATH
    std::string working_directory;
    std::string executable_directory;        // where the unifork binary lives
    std::optional<std::string> kernel_variable; // $UNIFORK_KERNEL
    std::string temporary_directory;         // $TMPDIR or /tmp
    // Whether descriptors 0, 1 and 2 are terminals, and the size { rows, columns } of the first
    // one that is (absent when it reports 0 rows or columns); the application's console
    // answers isatty() and TIOCGWINSZ the same way.
    bool stdin_terminal { false };
    bool stdout_terminal { false };
    bool stderr_terminal { false };
    std::optional<std::pair<unsigned, unsigned>> window_size;

    static HostContext current();
};

// The kernel image: --kernel, else $UNIFORK_KERNEL, else unifork-kernel beside the executable or
// one directory up (the build tree and an installed bin/ layout). Throws UsageError.
std::string locate_kernel(std::optional<std::string> const& option, HostContext const& host);

// qemu-system-x86_64: --qemu, else the first in $PATH. Throws UsageError.
std::string locate_qemu(std::optional<std::string> const& option, HostContext const& host);

// Builds the initrd, runs the VM and returns the CLI's exit status. Messages go to `err`.
// Throws Failure for the errors docs/protocol.md gives a status of their own.
int run_program(RunOptions const& options, HostContext const& host, std::ostream& err);

}
