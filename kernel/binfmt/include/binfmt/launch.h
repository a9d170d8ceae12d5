#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <binfmt/diagnostic.h>
#include <lib/error_or.h>
#include <lib/string.h>
#include <lib/vector.h>

namespace binfmt {

// /.unifork/launch, which the CLI writes into the initrd (docs/protocol.md): the program to
// start and how.
struct LaunchRequest {
    String path;
    Vector<String> arguments;
    Vector<String> environment;
    bool trace_syscalls { false };
    std::optional<String> hostname;
    // Which of the CLI's standard streams are terminals, and that terminal's size.
    bool stdin_terminal { false };
    bool stdout_terminal { false };
    bool stderr_terminal { false };
    struct WindowSize {
        uint16_t rows;
        uint16_t columns;
    };
    std::optional<WindowSize> window_size;
};

// Linux's limit on a host name (HOST_NAME_MAX, as sethostname enforces it).
constexpr size_t max_hostname_length = 64;
// Far more than any launch needs; bounds the counts before anything is allocated for them.
constexpr uint64_t max_launch_strings = 1'000'000;

// Parses the launch file byte-exactly. A malformed file gives EINVAL and the reason in
// `diagnostic`; ENOMEM when the strings cannot be copied.
ErrorOr<LaunchRequest> parse_launch_file(std::span<uint8_t const> bytes, Diagnostic& diagnostic);

}
