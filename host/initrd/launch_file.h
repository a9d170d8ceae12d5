#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace unifork::initrd {

// What the kernel starts: the contents of /.unifork/launch (docs/protocol.md, "The launch file").
struct LaunchRequest {
    std::string path;                     // absolute guest path of the program
    std::vector<std::string> arguments;   // argv, argv[0] included
    std::vector<std::string> environment; // envp entries, "KEY=VALUE"
    bool trace_syscalls { false };
    std::optional<std::string> hostname;
    // Whether the CLI's descriptors 0, 1 and 2 are terminals, so the application's are too.
    bool stdin_terminal { false };
    bool stdout_terminal { false };
    bool stderr_terminal { false };
    // That terminal's size as { rows, columns }, each 1..65535, when known.
    std::optional<std::pair<unsigned, unsigned>> window_size;
};

inline constexpr char const* launch_file_path = "/.unifork/launch";

// Encodes `request` byte-exactly as the protocol prescribes. Throws std::invalid_argument for
// what the format cannot carry: a NUL in any string, a newline in an option value, or a window
// size out of range.
std::string encode_launch_file(LaunchRequest const& request);

}
