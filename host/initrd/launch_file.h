#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace unifork::initrd {

// What the kernel starts: the contents of /.unifork/launch (docs/protocol.md, "The launch file").
struct LaunchRequest {
    std::string path;                     // absolute guest path of the program
    std::vector<std::string> arguments;   // argv, argv[0] included
    std::vector<std::string> environment; // envp entries, "KEY=VALUE"
    bool trace_syscalls { false };
    std::optional<std::string> hostname;
};

inline constexpr char const* launch_file_path = "/.unifork/launch";

// Encodes `request` byte-exactly as the protocol prescribes. Throws std::invalid_argument for
// what the format cannot carry: a NUL in any string, or a newline in an option value.
std::string encode_launch_file(LaunchRequest const& request);

}
