#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace unifork::qemu {

enum class Accelerator { Kvm, Tcg };

// What one VM needs. The three descriptors are the QEMU ends of connected stream sockets; QEMU
// inherits them and serves the serial ports through them.
struct QemuConfiguration {
    std::string qemu_path;
    std::string kernel_path;
    std::string initrd_path;
    std::uint64_t memory_mib { 128 };
    Accelerator accelerator { Accelerator::Tcg };
    int output_descriptor { -1 };  // COM1, 0x3f8: the application's stdout
    int error_descriptor { -1 };   // COM2, 0x2f8: its stderr and kernel diagnostics
    int control_descriptor { -1 }; // COM3, 0x3e8: control records
};

// I/O bases and IRQs of the three ports. COM3 shares no IRQ with the others; microvm's IO-APIC
// has 24 pins and leaves 6 free.
inline constexpr unsigned output_port_base = 0x3f8;
inline constexpr unsigned output_port_irq = 4;
inline constexpr unsigned error_port_base = 0x2f8;
inline constexpr unsigned error_port_irq = 3;
inline constexpr unsigned control_port_base = 0x3e8;
inline constexpr unsigned control_port_irq = 6;
inline constexpr unsigned debug_exit_port = 0xf4;

// The full argv, argv[0] included.
std::vector<std::string> build_qemu_arguments(QemuConfiguration const& configuration);

// True when /dev/kvm opens read-write, which is what QEMU needs to use it.
bool kvm_is_available();

}
