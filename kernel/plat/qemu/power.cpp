#include <arch/cpu.h>
#include <lib/format.h>
#include <plat/power.h>
#include <plat/serial.h>

namespace plat {

[[noreturn]] static void stop(uint32_t code)
{
    // isa-debug-exit ends QEMU; the status the CLI reports comes from the control record.
    arch::outl(0xf4, code);
    for (;;) {
        arch::disable_interrupts();
        arch::halt();
    }
}

static void send_record(char const* record, size_t length)
{
    serial_write(com3, record, length);
}

void exit_vm_exited(int status)
{
    char record[32];
    size_t length = lib::format(record, sizeof(record), "exited %d\n", status & 0xff);
    send_record(record, length);
    stop(0);
}

void exit_vm_signaled(int signal)
{
    char record[32];
    size_t length = lib::format(record, sizeof(record), "signaled %d\n", signal);
    send_record(record, length);
    stop(1);
}

void exit_vm_panic()
{
    send_record("panic\n", 6);
    stop(2);
}

}
