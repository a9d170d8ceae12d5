#include "qemu/qemu_command.h"

#include <gtest/gtest.h>

using namespace unifork::qemu;

TEST(QemuCommand, BuildsTheMicrovmCommandLine)
{
    QemuConfiguration configuration;
    configuration.qemu_path = "/usr/bin/qemu-system-x86_64";
    configuration.kernel_path = "/build/unifork-kernel";
    configuration.initrd_path = "/tmp/unifork-initrd-abc";
    configuration.memory_mib = 512;
    configuration.accelerator = Accelerator::Tcg;
    configuration.output_descriptor = 5;
    configuration.error_descriptor = 6;
    configuration.control_descriptor = 7;
    std::vector<std::string> expected {
        "/usr/bin/qemu-system-x86_64",
        "-M", "microvm,x-option-roms=off,isa-serial=off,rtc=on",
        "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
        "-m", "512M",
        "-kernel", "/build/unifork-kernel",
        "-initrd", "/tmp/unifork-initrd-abc",
        "-chardev", "socket,id=out,fd=5", "-device", "isa-serial,chardev=out,iobase=0x3f8,irq=4",
        "-chardev", "socket,id=err,fd=6", "-device", "isa-serial,chardev=err,iobase=0x2f8,irq=3",
        "-chardev", "socket,id=ctl,fd=7", "-device", "isa-serial,chardev=ctl,iobase=0x3e8,irq=6",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-accel", "tcg", "-cpu", "max",
    };
    EXPECT_EQ(build_qemu_arguments(configuration), expected);
}

TEST(QemuCommand, KvmUsesTheHostCpu)
{
    QemuConfiguration configuration;
    configuration.accelerator = Accelerator::Kvm;
    auto arguments = build_qemu_arguments(configuration);
    std::vector<std::string> tail(arguments.end() - 4, arguments.end());
    EXPECT_EQ(tail, (std::vector<std::string> { "-accel", "kvm", "-cpu", "host" }));
}
