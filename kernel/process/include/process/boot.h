#pragma once

#include <cstdint>
#include <span>

namespace process {

// Unpacks the initrd into the root file system, releases its memory, reads the launch file
// and starts the application it names. Reports failures to the host and stops the VM.
[[noreturn]] void boot_first_process(std::span<uint8_t const> initrd, uint64_t initrd_physical);

}
