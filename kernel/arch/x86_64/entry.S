// Trap, interrupt and syscall entry. Applications run in ring 0 and use the red zone below
// their stack pointer, so nothing may be pushed on their stack: every vector uses an IST stack,
// and `syscall` (which switches no stack) moves to the kernel stack before its first push.
// An IST stack is only a landing pad: the entry copies the hardware frame to the current
// thread's kernel stack (below the interrupted stack pointer if the kernel itself was
// interrupted) and runs the handler there, so handlers may nest, block and switch threads.

#define FRAME_SIZE (22 * 8)
// Offsets in arch::RegisterFrame.
#define FRAME_R11 (4 * 8)
#define FRAME_RCX (12 * 8)
#define FRAME_VECTOR (15 * 8)
#define FRAME_RIP (17 * 8)
#define FRAME_CS (18 * 8)
#define FRAME_RFLAGS (19 * 8)
#define KERNEL_CODE_SELECTOR 0x08
#define RFLAGS_TRAP 0x100
#define RFLAGS_INTERRUPT_ENABLE 0x200

    .data
    .p2align 3
    .global kernel_stack_bottom, kernel_stack_top
kernel_stack_bottom: .quad boot_stack_bottom
kernel_stack_top: .quad boot_stack_top
syscall_user_rsp: .quad 0

    .text

.macro PUSH_GPRS
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
.endm

.macro POP_GPRS
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
.endm

.macro ISR_NO_ERROR vector
    .p2align 4
isr_\vector:
    pushq $0
    pushq $\vector
    jmp isr_common
.endm

.macro ISR_ERROR vector
    .p2align 4
isr_\vector:
    pushq $\vector
    jmp isr_common
.endm

isr_common:
    pushq %rax
    pushq %rcx
    pushq %rdx
    // 0 rdx, 8 rcx, 16 rax, 24 vector, 32 error, 40 rip, 48 cs, 56 rflags, 64 rsp, 72 ss
    movq 64(%rsp), %rax
    cmpq kernel_stack_bottom(%rip), %rax
    jb 1f
    cmpq kernel_stack_top(%rip), %rax
    ja 1f
    jmp 2f
1:  movq kernel_stack_top(%rip), %rax
2:  andq $-16, %rax
    subq $80, %rax
    .irp offset, 0, 8, 16, 24, 32, 40, 48, 56, 64, 72
    movq \offset(%rsp), %rcx
    movq %rcx, \offset(%rax)
    .endr
    movq %rax, %rsp
    popq %rdx
    popq %rcx
    popq %rax
    PUSH_GPRS
    cld
    movq %rsp, %rdi
    call trap_dispatch
    .global return_to_frame
return_to_frame:
    POP_GPRS
    addq $16, %rsp
    iretq

    .global syscall_entry
syscall_entry:
    movq %rsp, syscall_user_rsp(%rip)
    movq kernel_stack_top(%rip), %rsp
    pushq $0x10
    pushq syscall_user_rsp(%rip)
    pushq %r11
    pushq $0x08
    pushq %rcx
    pushq %rax          // the error-code slot keeps the syscall number, for restarts
    pushq $0x100
    PUSH_GPRS
    movq %rsp, %rdi
    call syscall_dispatch
    // Back to the application with a plain jump where the frame is still what `syscall` made
    // of it: rcx holds the return address and r11 the flags (what `sysret` would restore),
    // interrupts were on and no single-stepping. Signal delivery, execve and sigreturn rewrite
    // the frame and go through iretq. Interrupts stay off until `sti`, whose one-instruction
    // shadow covers the jump: an interrupt that arrives meanwhile is taken at the application's
    // instruction, on its way back to it, and not on this kernel stack, where it would be
    // mistaken for one that interrupted the kernel.
    movq FRAME_RIP(%rsp), %rcx
    cmpq FRAME_RCX(%rsp), %rcx
    jne return_to_frame
    movq FRAME_RFLAGS(%rsp), %r11
    cmpq FRAME_R11(%rsp), %r11
    jne return_to_frame
    andl $(RFLAGS_TRAP | RFLAGS_INTERRUPT_ENABLE), %r11d
    cmpl $RFLAGS_INTERRUPT_ENABLE, %r11d
    jne return_to_frame
    cmpq $KERNEL_CODE_SELECTOR, FRAME_CS(%rsp)
    jne return_to_frame
    andq $~RFLAGS_INTERRUPT_ENABLE, FRAME_RFLAGS(%rsp)
    POP_GPRS
    addq $(FRAME_RFLAGS - FRAME_VECTOR), %rsp
    popfq
    movq (%rsp), %rsp
    sti
    jmp *%rcx

// enter_frame(RegisterFrame const*): starts a context from a complete frame.
    .global _ZN4arch11enter_frameERKNS_13RegisterFrameE
_ZN4arch11enter_frameERKNS_13RegisterFrameE:
    cli
    movq %rdi, %rsi
    movq kernel_stack_top(%rip), %rsp
    subq $FRAME_SIZE, %rsp
    movq %rsp, %rdi
    movl $22, %ecx
    rep movsq
    jmp return_to_frame

// Copies that may touch application memory. A fault inside them resumes at the fixup, which
// returns -EFAULT; the C++ callers have already checked that the range is in the lower half.

// long arch_user_copy(void* destination, void const* source, size_t length)
    .global arch_user_copy
arch_user_copy:
    movq %rdx, %rcx
    shrq $3, %rcx
user_copy_instruction:
    rep movsq
    movq %rdx, %rcx
    andq $7, %rcx
user_copy_tail_instruction:
    rep movsb
    xorl %eax, %eax
    ret
user_copy_fixup:
    movq $-14, %rax
    ret

// long arch_user_clear(void* destination, size_t length)
    .global arch_user_clear
arch_user_clear:
    movq %rsi, %rcx
    shrq $3, %rcx
    xorl %eax, %eax
user_clear_instruction:
    rep stosq
    movq %rsi, %rcx
    andq $7, %rcx
user_clear_tail_instruction:
    rep stosb
    xorl %eax, %eax
    ret
user_clear_fixup:
    movq $-14, %rax
    ret

// long arch_user_strnlen(char const* string, size_t maximum)
    .global arch_user_strnlen
arch_user_strnlen:
    xorl %eax, %eax
1:  cmpq %rsi, %rax
    jae 2f
user_strnlen_instruction:
    cmpb $0, (%rdi, %rax)
    je 2f
    incq %rax
    jmp 1b
2:  ret
user_strnlen_fixup:
    movq $-14, %rax
    ret

    .section .unifork_exception_fixups, "a"
    .quad user_copy_instruction, user_copy_fixup
    .quad user_copy_tail_instruction, user_copy_fixup
    .quad user_clear_instruction, user_clear_fixup
    .quad user_clear_tail_instruction, user_clear_fixup
    .quad user_strnlen_instruction, user_strnlen_fixup

    .text
// The vector stubs and their table.
    .p2align 4
    .global isr_stubs_start
isr_stubs_start:
    ISR_NO_ERROR 0
    ISR_NO_ERROR 1
    ISR_NO_ERROR 2
    ISR_NO_ERROR 3
    ISR_NO_ERROR 4
    ISR_NO_ERROR 5
    ISR_NO_ERROR 6
    ISR_NO_ERROR 7
    ISR_ERROR 8
    ISR_NO_ERROR 9
    ISR_ERROR 10
    ISR_ERROR 11
    ISR_ERROR 12
    ISR_ERROR 13
    ISR_ERROR 14
    ISR_NO_ERROR 15
    ISR_NO_ERROR 16
    ISR_ERROR 17
    ISR_NO_ERROR 18
    ISR_NO_ERROR 19
    ISR_NO_ERROR 20
    ISR_ERROR 21
    .irp vector, 22, 23, 24, 25, 26, 27, 28
    ISR_NO_ERROR \vector
    .endr
    ISR_ERROR 29
    ISR_ERROR 30
    ISR_NO_ERROR 31
    .altmacro
    .set vector, 32
    .rept 224
    ISR_NO_ERROR %vector
    .set vector, vector + 1
    .endr

.macro ISR_TABLE_ENTRY vector
    .quad isr_\vector
.endm

    .section .rodata
    .p2align 3
    .global isr_stub_table
isr_stub_table:
    .set vector, 0
    .rept 256
    ISR_TABLE_ENTRY %vector
    .set vector, vector + 1
    .endr
