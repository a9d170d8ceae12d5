/*
 * The "QEMU floor": the smallest PVH kernel there is. QEMU's microvm firmware jumps to
 * _start in 32-bit protected mode; it writes 0 to isa-debug-exit (port 0xf4), which ends
 * QEMU at once. Booting this measures QEMU's own start-up and tear-down with no guest work.
 * Build: gcc -nostdlib -static -no-pie -Wl,-Ttext=0x100000 -Wl,--build-id=none -o floor.elf floor.S
 */
        .section .note.Xen, "a", @note
        .balign 4
        .long 4                 /* namesz: "Xen\0" */
        .long 8                 /* descsz */
        .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
        .asciz "Xen"
        .balign 4
        .quad _start
        .balign 4

        .text
        .code32
        .globl _start
_start:
        xorl %eax, %eax
        outb %al, $0xf4
1:      cli
        hlt
        jmp 1b
