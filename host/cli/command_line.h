#pragma once

#include "cli/arguments.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace unifork::cli {

enum class AcceleratorChoice { Auto, Kvm, Tcg };

struct RunOptions {
    std::uint64_t memory_mib { 128 };
    AcceleratorChoice accelerator { AcceleratorChoice::Auto };
    std::optional<double> timeout_seconds;
    double stop_timeout_seconds { 10 };
    std::optional<std::string> rootfs;
    std::vector<AddMapping> additions;
    std::vector<std::string> environment; // the guest's envp, already deduplicated
    bool trace_syscalls { false };
    std::optional<std::string> kernel;
    std::optional<std::string> qemu;
    std::optional<std::string> keep_initrd;
    std::string program;
    std::vector<std::string> arguments; // everything after the program, verbatim
};

struct ParsedCommandLine {
    std::optional<RunOptions> run; // empty: stop with exit_status (help, version, usage error)
    int exit_status { 0 };
};

// Parses the whole argv (argv[0] included). Help and version go to `out`, errors to `err`;
// every usage error yields 125, never one of CLI11's own codes.
ParsedCommandLine parse_command_line(std::vector<std::string> const& arguments, std::ostream& out, std::ostream& err);

}
