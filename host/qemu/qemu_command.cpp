#include "qemu/qemu_command.h"

#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace unifork::qemu {

namespace {

std::string hex(unsigned value)
{
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "0x%x", value);
    return buffer;
}

void add_serial_port(std::vector<std::string>& arguments, char const* id, int descriptor, unsigned base, unsigned irq)
{
    arguments.insert(arguments.end(), {
        "-chardev", std::string("socket,id=") + id + ",fd=" + std::to_string(descriptor),
        "-device", std::string("isa-serial,chardev=") + id + ",iobase=" + hex(base) + ",irq=" + std::to_string(irq),
    });
}

}

std::vector<std::string> build_qemu_arguments(QemuConfiguration const& configuration)
{
    std::vector<std::string> arguments {
        configuration.qemu_path,
        // microvm boots a PVH ELF directly through qboot; isa-serial=off removes its built-in
        // COM1 so that we place all three ports ourselves, and the option ROMs are not needed.
        "-M", "microvm,x-option-roms=off,isa-serial=off,rtc=on",
        "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
        "-m", std::to_string(configuration.memory_mib) + "M",
        "-kernel", configuration.kernel_path,
        "-initrd", configuration.initrd_path,
    };
    add_serial_port(arguments, "out", configuration.output_descriptor, output_port_base, output_port_irq);
    add_serial_port(arguments, "err", configuration.error_descriptor, error_port_base, error_port_irq);
    add_serial_port(arguments, "ctl", configuration.control_descriptor, control_port_base, control_port_irq);
    arguments.insert(arguments.end(), {
        "-device", "isa-debug-exit,iobase=" + hex(debug_exit_port) + ",iosize=0x04",
    });
    if (configuration.accelerator == Accelerator::Kvm)
        arguments.insert(arguments.end(), { "-accel", "kvm", "-cpu", "host" });
    else
        arguments.insert(arguments.end(), { "-accel", "tcg", "-cpu", "max" });
    return arguments;
}

bool kvm_is_available()
{
    int descriptor = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (descriptor < 0)
        return false;
    ::close(descriptor);
    return true;
}

}
