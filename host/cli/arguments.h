#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace unifork::cli {

// Smallest VM the kernel is meant to boot in.
inline constexpr std::uint64_t minimum_memory_mib = 4;
// Far beyond any host; keeps the arithmetic and QEMU's -m far from overflow.
inline constexpr std::uint64_t maximum_memory_mib = 16ull * 1024 * 1024;

// "8M", "512m", "1G", "2T", or a plain number of MiB, as QEMU's -m reads them. Returns MiB.
// Throws UsageError.
std::uint64_t parse_memory_size(std::string_view text);

struct AddMapping {
    std::string host_path;
    std::string guest_path;
    bool operator==(AddMapping const&) const = default;
};

// "HOST:GUEST". The guest path is absolute, so the split is at the last ":/" and a host path
// may itself contain colons. Throws UsageError.
AddMapping parse_add_mapping(std::string_view text);

// "KEY=VALUE": KEY non-empty and without '='; VALUE anything, even empty. Throws UsageError.
std::pair<std::string, std::string> parse_environment_assignment(std::string_view text);

// Turns the --env options into envp: each key once, the last assignment winning, in the order
// the keys first appeared.
std::vector<std::string> build_environment(std::vector<std::string> const& assignments);

// Seconds, possibly fractional, greater than zero. Throws UsageError.
double parse_timeout(std::string_view text);

// --stop-timeout: seconds, possibly fractional, zero or more (0 stops the VM at once, as
// `docker stop -t 0`). Throws UsageError.
double parse_stop_timeout(std::string_view text);

}
