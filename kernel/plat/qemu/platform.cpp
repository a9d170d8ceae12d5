#include <arch/cpu.h>
#include <plat/platform.h>
#include <plat/serial.h>

namespace plat {

void clock_mark_boot();

void initialize_platform()
{
    clock_mark_boot();
    serial_initialize(com1);
    serial_initialize(com2);
    serial_initialize(com3, true);
    // The legacy PICs stay masked: remapped away from the exception vectors first, so a
    // spurious interrupt cannot masquerade as a fault.
    arch::outb(0x20, 0x11);
    arch::outb(0xa0, 0x11);
    arch::outb(0x21, 0x20);
    arch::outb(0xa1, 0x28);
    arch::outb(0x21, 0x04);
    arch::outb(0xa1, 0x02);
    arch::outb(0x21, 0x01);
    arch::outb(0xa1, 0x01);
    arch::outb(0x21, 0xff);
    arch::outb(0xa1, 0xff);
}

}
