// PVH entry: QEMU (-kernel) finds the XEN_ELFNOTE_PHYS32_ENTRY note and jumps here in 32-bit
// protected mode with paging off, %ebx holding the physical address of hvm_start_info.
// We build boot page tables (identity and direct map of the low 4 GiB, and the kernel's
// -2 GiB window), enter long mode and continue in the higher half.

#define KERNEL_VIRTUAL_BASE 0xffffffff80000000
#define PAGE_PRESENT 0x1
#define PAGE_WRITABLE 0x2
#define PAGE_HUGE 0x80

    .section .note.Xen, "a"
    .p2align 2
    .long 4
    .long 4
    .long 18
    .asciz "Xen"
    .p2align 2
    .long pvh_start32
    .p2align 2

    .section .boot.bss, "aw", @nobits
    .p2align 12
    .global boot_pml4
boot_pml4: .skip 4096
boot_pdpt_low: .skip 4096
boot_pdpt_high: .skip 4096
boot_page_directories: .skip 4 * 4096
boot_stack32: .skip 1024
boot_stack32_top:

    .section .boot.data, "aw"
    .p2align 3
    .global boot_start_info_physical
boot_start_info_physical: .quad 0
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff    // 0x08: 64-bit code
    .quad 0x00cf92000000ffff    // 0x10: data
boot_gdt_end:
boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .section .boot.text, "ax"
    .code32
    .global pvh_start32
pvh_start32:
    cli
    cld
    movl %ebx, boot_start_info_physical
    movl $boot_stack32_top, %esp

    // Four page directories of 2 MiB pages map physical 0..4 GiB.
    movl $boot_page_directories, %edi
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $(PAGE_PRESENT | PAGE_WRITABLE | PAGE_HUGE), %eax
    movl %eax, (%edi, %ecx, 8)
    movl %ecx, %eax
    shrl $11, %eax
    movl %eax, 4(%edi, %ecx, 8)
    incl %ecx
    cmpl $2048, %ecx
    jne 1b

    // The low PDPT points at the four directories: identity map and direct map share it.
    movl $boot_pdpt_low, %edi
    xorl %ecx, %ecx
2:  movl %ecx, %eax
    shll $12, %eax
    addl $boot_page_directories, %eax
    orl $(PAGE_PRESENT | PAGE_WRITABLE), %eax
    movl %eax, (%edi, %ecx, 8)
    incl %ecx
    cmpl $4, %ecx
    jne 2b

    // The high PDPT maps -2 GiB onto physical 0..2 GiB.
    movl $boot_page_directories, %eax
    orl $(PAGE_PRESENT | PAGE_WRITABLE), %eax
    movl %eax, boot_pdpt_high + 510 * 8
    movl $boot_page_directories + 4096, %eax
    orl $(PAGE_PRESENT | PAGE_WRITABLE), %eax
    movl %eax, boot_pdpt_high + 511 * 8

    movl $boot_pdpt_low, %eax
    orl $(PAGE_PRESENT | PAGE_WRITABLE), %eax
    movl %eax, boot_pml4               // identity, for the switch itself
    movl %eax, boot_pml4 + 256 * 8     // direct map at 0xffff800000000000
    movl $boot_pdpt_high, %eax
    orl $(PAGE_PRESENT | PAGE_WRITABLE), %eax
    movl %eax, boot_pml4 + 511 * 8

    movl %cr4, %eax
    orl $(1 << 5), %eax                // PAE
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx             // EFER: long mode, no-execute
    rdmsr
    orl $((1 << 8) | (1 << 11)), %eax
    wrmsr
    movl %cr0, %eax
    orl $((1 << 31) | (1 << 16) | 1), %eax   // paging, write-protect in ring 0, protected mode
    movl %eax, %cr0

    lgdt boot_gdt_pointer
    ljmp $0x08, $long_mode_entry

    .code64
long_mode_entry:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movabsq $higher_half_entry, %rax
    jmp *%rax

    .text
higher_half_entry:
    movabsq $boot_stack_top, %rsp
    xorq %rbp, %rbp
    movl boot_start_info_physical, %edi
    call kernel_main
3:  cli
    hlt
    jmp 3b

    .bss
    .p2align 12
    .global boot_stack_bottom, boot_stack_top
boot_stack_bottom:
    .skip 32768
boot_stack_top:
