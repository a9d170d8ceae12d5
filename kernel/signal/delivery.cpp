// Sending and delivering signals. Handlers get Linux's x86_64 rt_sigframe on the application
// stack (below the red zone, or on the alternate stack): the restorer's address, a ucontext
// with the interrupted registers and mask, the siginfo, and the x87/SSE/AVX state; the
// restorer calls rt_sigreturn, which puts everything back.
#include <cstring>

#include <arch/context.h>
#include <arch/cpu.h>
#include <lib/user_memory.h>
#include <process/process.h>
#include <sched/thread.h>
#include <signal/delivery.h>
#include <signal/signal_state.h>
#include <syscall/syscall.h>

namespace signal {

void notify_signalfds();
void timer_signal_taken(SignalState&, PendingInfo&);

namespace {

struct SignalInfo {
    int32_t signo;
    int32_t error;
    int32_t code;
    int32_t padding;
    union {
        struct {
            int32_t pid;
            uint32_t uid;
            int32_t status;
        } child;
        struct {
            int32_t pid;
            uint32_t uid;
            int32_t value;
        } kill;
        uint64_t address;
        uint8_t bytes[112];
    };
};
static_assert(sizeof(SignalInfo) == 128);

struct SignalContext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t error, trapno, oldmask, cr2, fpstate;
    uint64_t reserved[8];
};
static_assert(sizeof(SignalContext) == 256);

struct StackDescription {
    uint64_t pointer;
    int32_t flags;
    int32_t padding;
    uint64_t size;
};

struct UserContext {
    uint64_t flags;
    uint64_t link;
    StackDescription stack;
    SignalContext context;
    uint64_t mask;
};
static_assert(sizeof(UserContext) == 304);

struct SignalFrame {
    uint64_t return_address;
    UserContext context;
    SignalInfo info;
};

constexpr int ss_onstack = 1, ss_disable = 2, ss_autodisarm = int(1u << 31);
constexpr uint64_t user_flags = 0x0000'0000'0025'4dd5ull; // CF PF AF ZF SF TF DF OF AC: FIX_EFLAGS
alignas(64) uint8_t s_extended_state[16384];

bool is_ignored(process::Process& process, int signal)
{
    auto* state = process.signal_state();
    if (!state)
        return true;
    uint64_t handler = state->action(signal).handler;
    if (handler == ignore_handler)
        return true;
    return handler == default_handler && default_action(signal) == DefaultAction::Ignore;
}

void wake_for(sched::Thread& thread, int signal)
{
    if (!(thread.signal_mask & bit_of(signal)) || (thread.waited_signals & bit_of(signal)))
        sched::interrupt(thread);
}

int lowest(uint64_t set)
{
    return set ? __builtin_ctzll(set) + 1 : 0;
}

SignalInfo make_info(int signal, PendingInfo const& pending)
{
    SignalInfo info {};
    info.signo = signal;
    info.code = pending.code;
    bool is_fault = signal == sigsegv || signal == sigbus || signal == sigill || signal == sigfpe || signal == sigtrap;
    if (is_fault && pending.code > 0) {
        info.address = pending.address; // si_addr
        return info;
    }
    // si_pid (or the timer id) at 16, si_uid (or the overrun count) at 20, then si_status
    // for SIGCHLD or si_value for the rest, at 24.
    int32_t first = pending.pid;
    // si_uid, or a timer's overrun count; a child's status goes at 24 instead.
    int32_t second = signal == sigchld && pending.code > 0 ? 0 : pending.status;
    memcpy(info.bytes, &first, 4);
    memcpy(info.bytes + 4, &second, 4);
    if (signal == sigchld && pending.code > 0) {
        int32_t status = pending.status;
        memcpy(info.bytes + 8, &status, 4);
    } else {
        uint64_t value = pending.address;
        memcpy(info.bytes + 8, &value, 8);
    }
    return info;
}

template<typename Queue>
bool take_queued(Queue& queue, int signal, PendingInfo& info, bool& more)
{
    bool found = false;
    more = false;
    for (size_t i = 0; i < queue.size(); ++i) {
        if (queue[i].signal != signal)
            continue;
        if (!found) {
            info = queue[i].info;
            queue.remove(i);
            found = true;
            --i;
        } else {
            more = true;
            break;
        }
    }
    return found;
}

// Records a pending signal: standard signals coalesce, real-time ones queue in order.
template<typename Queue>
void add_pending(uint64_t& bits, PendingInfo* infos, Queue& queue, int signal, PendingInfo const& info)
{
    if (signal >= sigrtmin) {
        if (queue.try_append(sched::Thread::QueuedSignal { signal, info }).is_error())
            return;
        bits |= bit_of(signal);
        return;
    }
    if (!(bits & bit_of(signal))) {
        bits |= bit_of(signal);
        infos[signal - 1] = info;
    }
}

template<typename Queue>
void take_pending(uint64_t& bits, PendingInfo* infos, Queue& queue, int signal, PendingInfo& info)
{
    if (signal >= sigrtmin) {
        bool more = false;
        if (!take_queued(queue, signal, info, more))
            info = {};
        if (!more)
            bits &= ~bit_of(signal);
        return;
    }
    bits &= ~bit_of(signal);
    info = infos[signal - 1];
}

}

// Takes the lowest signal in `set` off the thread's or the process's pending set: the
// thread's own (synchronous) signals first, then the lowest number, as Linux does.
int dequeue(sched::Thread& thread, uint64_t set, PendingInfo& info)
{
    auto* state = thread.process()->signal_state();
    int signal = lowest(thread.pending_signals & set);
    if (signal) {
        take_pending(thread.pending_signals, thread.pending_info, thread.queued_signals, signal, info);
    } else {
        signal = state ? lowest(state->pending & set) : 0;
        if (signal)
            take_pending(state->pending, state->pending_info, state->queued_signals, signal, info);
    }
    if (signal && info.code == si_timer && state)
        timer_signal_taken(*state, info);
    return signal;
}

void discard_pending(process::Process& process, int signal)
{
    PendingInfo ignored;
    auto* state = process.signal_state();
    if (state) {
        while (state->pending & bit_of(signal)) {
            take_pending(state->pending, state->pending_info, state->queued_signals, signal, ignored);
            if (ignored.code == si_timer)
                timer_signal_taken(*state, ignored);
        }
    }
    for (auto& thread : process.threads()) {
        while (thread.pending_signals & bit_of(signal)) {
            take_pending(thread.pending_signals, thread.pending_info, thread.queued_signals, signal, ignored);
            if (ignored.code == si_timer && state)
                timer_signal_taken(*state, ignored);
        }
    }
}

namespace {

// Syscalls that SA_RESTART restarts after a handler ran, as signal(7) lists them; the others
// fail with EINTR.
bool is_restartable(uint64_t number, arch::RegisterFrame const& frame)
{
    // A futex wait with a timeout is not restarted (Linux returns EINTR for it).
    constexpr uint64_t futex_wait = 0, futex_wait_bitset = 9, futex_command_mask = 0x7f;
    if (syscall::Number(number) == syscall::Number::futex) {
        uint64_t command = frame.rsi & futex_command_mask;
        if ((command == futex_wait || command == futex_wait_bitset) && frame.r10)
            return false;
        return true;
    }
    switch (syscall::Number(number)) {
    case syscall::Number::read:
    case syscall::Number::readv:
    case syscall::Number::write:
    case syscall::Number::writev:
    case syscall::Number::pread64:
    case syscall::Number::pwrite64:
    case syscall::Number::ioctl:
    case syscall::Number::open:
    case syscall::Number::openat:
    case syscall::Number::wait4:
    case syscall::Number::waitid:
    case syscall::Number::futex:
    case syscall::Number::flock:
    case syscall::Number::fcntl:
    case syscall::Number::accept:
    case syscall::Number::accept4:
    case syscall::Number::recvfrom:
    case syscall::Number::sendto:
    case syscall::Number::recvmsg:
    case syscall::Number::sendmsg:
    case syscall::Number::connect:
        return true;
    default:
        return false;
    }
}

// Calls Linux restarts when it ran no handler (ERESTARTSYS, ERESTARTNOHAND and the
// restart-block ones); epoll_wait and sigtimedwait are not among them.
bool restarts_without_handler(uint64_t number)
{
    switch (syscall::Number(number)) {
    case syscall::Number::nanosleep:
    case syscall::Number::clock_nanosleep:
    case syscall::Number::poll:
    case syscall::Number::ppoll:
    case syscall::Number::select:
    case syscall::Number::pselect6:
    case syscall::Number::rt_sigsuspend:
    case syscall::Number::pause:
    case syscall::Number::futex:
        return true;
    default: {
        arch::RegisterFrame unused {};
        return is_restartable(number, unused);
    }
    }
}

[[noreturn]] void die_of(sched::Thread& thread, int signal)
{
    thread.process()->terminate(process::signaled_status(signal));
    process::exit_thread();
}

bool setup_frame(sched::Thread& thread, arch::RegisterFrame& frame, int signal, KernelSigaction const& action, PendingInfo const& pending, uint64_t old_mask)
{
    uint64_t stack = frame.rsp;
    bool was_on_alternate = thread.alternate_stack_size && stack - thread.alternate_stack < thread.alternate_stack_size;
    bool switch_stack = (action.flags & sa_onstack) && thread.alternate_stack_size && !(thread.alternate_stack_flags & ss_disable) && !was_on_alternate;
    if (switch_stack)
        stack = thread.alternate_stack + thread.alternate_stack_size;
    else
        stack -= 128; // the red zone
    size_t state_size = arch::extended_state_size();
    if (state_size > sizeof(s_extended_state))
        return false;
    uint64_t fpstate = (stack - state_size) & ~uint64_t(63);
    uint64_t frame_address = ((fpstate - sizeof(SignalFrame)) & ~uint64_t(15)) - 8;

    arch::save_extended_state(s_extended_state);
    if (copy_to_user(fpstate, s_extended_state, state_size).is_error())
        return false;

    SignalFrame signal_frame {};
    signal_frame.return_address = action.restorer;
    auto& context = signal_frame.context.context;
    context = SignalContext {
        .r8 = frame.r8, .r9 = frame.r9, .r10 = frame.r10, .r11 = frame.r11, .r12 = frame.r12, .r13 = frame.r13,
        .r14 = frame.r14, .r15 = frame.r15, .rdi = frame.rdi, .rsi = frame.rsi, .rbp = frame.rbp, .rbx = frame.rbx,
        .rdx = frame.rdx, .rax = frame.rax, .rcx = frame.rcx, .rsp = frame.rsp, .rip = frame.rip,
        .eflags = frame.rflags, .cs = 0x33, .gs = 0, .fs = 0, .ss = 0x2b,
        // The application runs in ring 0, but Linux's error code says user mode (bit 2).
        .error = frame.vector == 14 ? (frame.error_code | 4) : (frame.vector < 32 ? frame.error_code : 0),
        .trapno = frame.vector < 32 ? frame.vector : 0,
        .oldmask = old_mask, .cr2 = pending.address, .fpstate = fpstate, .reserved = {},
    };
    signal_frame.context.stack = StackDescription {
        .pointer = thread.alternate_stack,
        // What sigaltstack set (with SS_AUTODISARM), as Linux records it for rt_sigreturn.
        .flags = !thread.alternate_stack_size ? ss_disable : thread.alternate_stack_flags,
        .padding = 0,
        .size = thread.alternate_stack_size,
    };
    signal_frame.context.mask = old_mask;
    signal_frame.info = make_info(signal, pending);
    if (copy_to_user(frame_address, &signal_frame, sizeof(signal_frame)).is_error())
        return false;
    // SS_AUTODISARM: the handler runs with no alternate stack; rt_sigreturn brings it back.
    if (thread.alternate_stack_flags & ss_autodisarm) {
        thread.alternate_stack = 0;
        thread.alternate_stack_size = 0;
        thread.alternate_stack_flags = ss_disable;
    }

    frame.rsp = frame_address;
    frame.rip = action.handler;
    frame.rdi = uint64_t(signal);
    frame.rsi = frame_address + __builtin_offsetof(SignalFrame, info);
    frame.rdx = frame_address + __builtin_offsetof(SignalFrame, context);
    frame.rax = 0;
    frame.rflags &= ~(arch::rflags_direction | arch::rflags_trap);
    arch::reset_extended_state();
    return true;
}

}

// SIGCHLD for a child that stopped or continued, unless the parent asked for none
// (SA_NOCLDSTOP); its waiters are woken either way.
void notify_parent_of_stop_or_continue(process::Process& child, int code, int status)
{
    auto* parent = child.parent();
    if (!parent)
        return;
    parent->child_events.wake_all();
    auto* state = parent->signal_state();
    if (!state || (state->action(sigchld).flags & sa_nocldstop))
        return;
    send_to_process(*parent, sigchld, PendingInfo { .code = code, .pid = child.pid(), .status = status, .address = 0 });
}

constexpr int cld_stopped = 5, cld_continued = 6;
constexpr uint64_t stop_signals = (uint64_t(1) << (sigstop - 1)) | (uint64_t(1) << (sigtstp - 1)) | (uint64_t(1) << (sigttin - 1)) | (uint64_t(1) << (sigttou - 1));

// Sending SIGCONT continues a stopped process at once, whatever its disposition, and drops
// pending stop signals; sending a stop signal drops a pending SIGCONT.
void apply_job_control_at_send(process::Process& process, int signal)
{
    if (signal == sigcont) {
        for (int stop = 1; stop <= signal_count; ++stop)
            if (stop_signals & bit_of(stop))
                discard_pending(process, stop);
        if (process.stopped) {
            process.stopped = false;
            process.stop_reportable = false;
            process.continue_reportable = true;
            process.stop_queue.wake_all();
            notify_parent_of_stop_or_continue(process, cld_continued, sigcont);
        }
    } else if (stop_signals & bit_of(signal)) {
        discard_pending(process, sigcont);
    }
}

// The default action of a stop signal: the whole process stops, its parent hears of it, and
// the taking thread waits (the others stop on their way back to the application).
void stop_process(sched::Thread& thread, int signal)
{
    auto& process = *thread.process();
    process.stopped = true;
    process.stop_signal = signal;
    process.stop_reportable = true;
    process.continue_reportable = false;
    for (auto& other : process.threads())
        if (&other != &thread)
            sched::interrupt(other);
    notify_parent_of_stop_or_continue(process, cld_stopped, signal);
    while (process.stopped && !thread.exit_requested)
        process.stop_queue.wait_uninterruptible();
    if (thread.exit_requested)
        process::exit_thread();
}

DefaultAction default_action(int signal)
{
    switch (signal) {
    case sigchld:
    case sigurg:
    case sigwinch:
        return DefaultAction::Ignore;
    case sigcont:
        return DefaultAction::Continue;
    case sigstop:
    case sigtstp:
    case sigttin:
    case sigttou:
        return DefaultAction::Stop;
    case sigquit:
    case sigill:
    case sigtrap:
    case sigabrt:
    case sigbus:
    case sigfpe:
    case sigsegv:
    case sigxcpu:
    case sigxfsz:
    case sigsys:
        return DefaultAction::CoreDump;
    default:
        return signal >= 32 ? DefaultAction::Terminate : DefaultAction::Terminate;
    }
}

void send_to_process(process::Process& process, int signal, PendingInfo const& info)
{
    if (process.state() != process::Process::State::Alive)
        return;
    if (signal == sigkill) {
        process.terminate(process::signaled_status(sigkill));
        return;
    }
    apply_job_control_at_send(process, signal);
    auto* state = process.signal_state();
    if (!state)
        return;
    // A blocked signal is never dropped as ignored (its disposition may change before it is
    // unblocked); a sigtimedwait in progress does not count as unblocking it.
    bool blocked_everywhere = true;
    for (auto& thread : process.threads())
        if (!(thread.signal_mask & bit_of(signal)))
            blocked_everywhere = false;
    if (is_ignored(process, signal) && !blocked_everywhere)
        return;
    add_pending(state->pending, state->pending_info, state->queued_signals, signal, info);
    notify_signalfds();
    for (auto& thread : process.threads()) {
        if (!(thread.signal_mask & bit_of(signal)) || (thread.waited_signals & bit_of(signal))) {
            wake_for(thread, signal);
            break;
        }
    }
}

void send_to_thread(sched::Thread& thread, int signal, PendingInfo const& info)
{
    auto* process = thread.process();
    if (!process || process->state() != process::Process::State::Alive)
        return;
    if (signal == sigkill) {
        process->terminate(process::signaled_status(sigkill));
        return;
    }
    apply_job_control_at_send(*process, signal);
    if (is_ignored(*process, signal) && !(thread.signal_mask & bit_of(signal)))
        return;
    add_pending(thread.pending_signals, thread.pending_info, thread.queued_signals, signal, info);
    notify_signalfds();
    wake_for(thread, signal);
}

void force_to_thread(sched::Thread& thread, int signal, PendingInfo const& info)
{
    auto* state = thread.process()->signal_state();
    if (state) {
        bool blocked = thread.signal_mask & bit_of(signal);
        if (blocked || state->action(signal).handler == ignore_handler) {
            // Linux's force_sig_info: a blocked or ignored synchronous fault kills.
            state->reset_action(signal);
            thread.signal_mask &= ~bit_of(signal);
        }
    }
    thread.pending_signals |= bit_of(signal);
    thread.pending_info[signal - 1] = info;
}

uint64_t deliverable(sched::Thread& thread)
{
    auto* process = thread.process();
    if (!process)
        return 0;
    auto* state = process->signal_state();
    uint64_t pending = thread.pending_signals | (state ? state->pending : 0);
    return pending & (~thread.signal_mask | thread.waited_signals);
}

void deliver_pending(sched::Thread& thread, arch::RegisterFrame& frame)
{
    auto* state = thread.process() ? thread.process()->signal_state() : nullptr;
    if (!state)
        return;
    bool interrupted_syscall = frame.vector == arch::syscall_vector && int64_t(frame.rax) == -EINTR;
    for (;;) {
        PendingInfo pending {};
        int signal = dequeue(thread, ~thread.signal_mask, pending);
        if (!signal)
            break;
        auto action = state->action(signal);
        if (action.handler == ignore_handler)
            continue;
        if (action.handler == default_handler) {
            switch (default_action(signal)) {
            case DefaultAction::Ignore:
            case DefaultAction::Continue:
                continue;
            case DefaultAction::Stop:
                // Terminal stops do nothing to an orphaned process group (no one could
                // continue it); SIGSTOP always stops.
                if (signal != sigstop && process::is_orphaned_process_group(thread.process()->pgid()))
                    continue;
                stop_process(thread, signal);
                continue;
            case DefaultAction::Terminate:
            case DefaultAction::CoreDump:
                die_of(thread, signal);
            }
        }
        // A handler: restart or fail the syscall it interrupted, then build its frame.
        if (interrupted_syscall && (action.flags & sa_restart) && is_restartable(frame.error_code, frame)) {
            frame.rip -= 2;
            frame.rax = frame.error_code;
        }
        interrupted_syscall = false;
        uint64_t old_mask = thread.restore_saved_signal_mask ? thread.saved_signal_mask : thread.signal_mask;
        thread.restore_saved_signal_mask = false;
        if (!(action.flags & sa_restorer) || !setup_frame(thread, frame, signal, action, pending, old_mask))
            die_of(thread, sigsegv);
        uint64_t mask = thread.signal_mask | action.mask;
        if (!(action.flags & sa_nodefer))
            mask |= bit_of(signal);
        thread.signal_mask = mask & ~unblockable;
        if (action.flags & sa_resethand)
            state->reset_action(signal);
        return;
    }
    // No handler ran: a call interrupted only by signals that needed none (a stop and a
    // continue, say) carries on as if nothing happened, as Linux restarts it.
    if (interrupted_syscall && restarts_without_handler(frame.error_code) && !thread.exit_requested) {
        frame.rip -= 2;
        frame.rax = frame.error_code;
        return;
    }
    if (thread.restore_saved_signal_mask) {
        thread.signal_mask = thread.saved_signal_mask;
        thread.restore_saved_signal_mask = false;
    }
}

ErrorOr<void> write_siginfo(uint64_t address, int signal, PendingInfo const& info)
{
    auto out = make_info(signal, info);
    return copy_to_user(address, &out, sizeof(out));
}

namespace {

bool has_deliverable(sched::Thread& thread) { return deliverable(thread) != 0; }

}

// rt_sigreturn(2): back to where the handler interrupted, with the mask and vector state the
// frame holds.
ErrorOr<long> return_from_handler(arch::RegisterFrame& frame)
{
    auto& thread = sched::current_thread();
    uint64_t context_address = frame.rsp; // the handler's `ret` popped the return address
    UserContext user_context;
    if (copy_from_user(&user_context, context_address, sizeof(user_context)).is_error())
        die_of(thread, sigsegv);
    auto const& context = user_context.context;
    if (context.fpstate) {
        size_t state_size = arch::extended_state_size();
        if (copy_from_user(s_extended_state, context.fpstate, state_size).is_error())
            die_of(thread, sigsegv);
        // Refuse state the CPU would fault on: reserved MXCSR bits, unknown components.
        uint32_t mxcsr;
        memcpy(&mxcsr, s_extended_state + 24, sizeof(mxcsr));
        bool valid = !(mxcsr & 0xffff'0000u);
        if (arch::cpu_features().xsave) {
            uint64_t header[8];
            memcpy(header, s_extended_state + 512, sizeof(header));
            uint64_t supported = 0;
            asm volatile("xgetbv" : "=a"(*reinterpret_cast<uint32_t*>(&supported)), "=d"(*(reinterpret_cast<uint32_t*>(&supported) + 1)) : "c"(0));
            if ((header[0] & ~supported) || header[1])
                valid = false;
            for (int i = 2; i < 8; ++i)
                if (header[i])
                    valid = false;
        }
        if (!valid)
            die_of(thread, sigsegv);
        arch::restore_extended_state(s_extended_state);
    } else {
        arch::reset_extended_state();
    }
    frame.r8 = context.r8;
    frame.r9 = context.r9;
    frame.r10 = context.r10;
    frame.r11 = context.r11;
    frame.r12 = context.r12;
    frame.r13 = context.r13;
    frame.r14 = context.r14;
    frame.r15 = context.r15;
    frame.rdi = context.rdi;
    frame.rsi = context.rsi;
    frame.rbp = context.rbp;
    frame.rbx = context.rbx;
    frame.rdx = context.rdx;
    frame.rcx = context.rcx;
    frame.rsp = context.rsp;
    frame.rip = context.rip;
    frame.rflags = (frame.rflags & ~user_flags) | (context.eflags & user_flags) | arch::rflags_interrupt_enable;
    frame.vector = 0; // not a syscall any more: nothing to restart
    thread.signal_mask = user_context.mask & ~unblockable;
    // sigaltstack state comes back as the frame recorded it.
    if (!(user_context.stack.flags & ss_disable) && user_context.stack.size) {
        thread.alternate_stack = user_context.stack.pointer;
        thread.alternate_stack_size = user_context.stack.size;
        thread.alternate_stack_flags = user_context.stack.flags & ss_autodisarm;
    } else if (user_context.stack.flags & ss_disable) {
        thread.alternate_stack = 0;
        thread.alternate_stack_size = 0;
        thread.alternate_stack_flags = ss_disable;
    }
    return long(context.rax);
}

void initialize() { }

bool thread_has_deliverable(sched::Thread& thread) { return has_deliverable(thread); }

}

namespace fs {

// A write to a pipe with no reader left: SIGPIPE for the writing thread, as Linux sends it.
void raise_sigpipe()
{
    auto& thread = sched::current_thread();
    signal::send_to_thread(thread, signal::sigpipe, signal::PendingInfo { .code = signal::si_user, .pid = thread.process()->pid(), .status = 0, .address = 0 });
}

}
