// Kernel context switches between threads. Each thread has its own kernel stack; a switch
// saves the callee-saved registers and the flags on the old stack and pops the new thread's.

    .text

// void arch_switch_context(uint64_t* save_stack_pointer, uint64_t stack_pointer)
    .global arch_switch_context
arch_switch_context:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    pushfq
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popfq
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret

// A new thread's first switch lands here with the stack pointer at its register frame (the
// top of its kernel stack), and leaves for application code through that frame.
    .global arch_thread_user_start
arch_thread_user_start:
    call arch_thread_first_run
    jmp return_to_frame

// A kernel thread's first switch lands here: r12 holds the entry point, r13 its argument.
    .global arch_thread_kernel_start
arch_thread_kernel_start:
    call arch_thread_first_run
    movq %r13, %rdi
    call *%r12
    ud2
