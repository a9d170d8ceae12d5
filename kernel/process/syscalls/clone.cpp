// clone(2), clone3(2), fork(2) and vfork(2): new threads share the process; new processes get
// copies (or shares, per flag) of its resources, and an address space copied on write.
#include <arch/context.h>
#include <config.h>
#include <lib/user_memory.h>
#include <process/lifecycle.h>
#include <process/process.h>
#include <sched/thread.h>
#include <syscall/syscall.h>

namespace process {

namespace {

constexpr uint64_t csignal = 0xff;
constexpr uint64_t clone_vm = 0x100, clone_fs = 0x200, clone_files = 0x400, clone_sighand = 0x800,
                   clone_pidfd = 0x1000, clone_ptrace = 0x2000, clone_vfork = 0x4000, clone_parent = 0x8000,
                   clone_thread = 0x10000, clone_newns = 0x20000, clone_sysvsem = 0x40000, clone_settls = 0x80000,
                   clone_parent_settid = 0x100000, clone_child_cleartid = 0x200000, clone_detached = 0x400000,
                   clone_untraced = 0x800000, clone_child_settid = 0x1000000, clone_newcgroup = 0x2000000,
                   clone_newuts = 0x4000000, clone_newipc = 0x8000000, clone_newuser = 0x10000000,
                   clone_newpid = 0x20000000, clone_newnet = 0x40000000, clone_io = 0x80000000ull;
constexpr uint64_t namespace_flags = clone_newns | clone_newcgroup | clone_newuts | clone_newipc | clone_newuser
    | clone_newpid | clone_newnet;

struct CloneRequest {
    uint64_t flags { 0 };
    int exit_signal { 0 };
    uint64_t stack { 0 };       // the child's stack pointer; 0 keeps the parent's
    uint64_t parent_tid { 0 };
    uint64_t child_tid { 0 };
    uint64_t tls { 0 };
};

ErrorOr<void> validate(CloneRequest const& request)
{
    uint64_t flags = request.flags;
    // The combinations Linux's copy_process refuses.
    if ((flags & (clone_newns | clone_fs)) == (clone_newns | clone_fs))
        return Error(EINVAL);
    if ((flags & clone_thread) && !(flags & clone_sighand))
        return Error(EINVAL);
    if ((flags & clone_sighand) && !(flags & clone_vm))
        return Error(EINVAL);
    if ((flags & clone_pidfd) && (flags & clone_detached))
        return Error(EINVAL);
    if (request.exit_signal < 0 || request.exit_signal > 64)
        return Error(EINVAL);
    if (flags & namespace_flags)
        return Error(EINVAL); // namespaces are not supported
    if (flags & clone_pidfd)
        return Error(EINVAL); // pidfds are not supported
    return {};
}

arch::RegisterFrame child_frame(CloneRequest const& request)
{
    arch::RegisterFrame frame = current_thread().user_frame();
    frame.rax = 0;
    if (request.stack)
        frame.rsp = request.stack;
    return frame;
}

ErrorOr<long> create_thread(CloneRequest const& request)
{
#ifdef CONFIG_THREADS
    auto& process = current();
    int tid = TRY(allocate_id());
    auto* thread = TRY(sched::Thread::create_user(&process, tid, child_frame(request)));
    if (request.flags & clone_settls)
        thread->set_fs_base(request.tls);
    if (request.flags & clone_child_settid)
        thread->set_child_tid = request.child_tid;
    if (request.flags & clone_child_cleartid)
        thread->clear_child_tid = request.child_tid;
    thread->signal_mask = current_thread().signal_mask;
    if (request.flags & clone_parent_settid) {
        uint32_t value = uint32_t(tid);
        if (auto written = copy_to_user(request.parent_tid, &value, sizeof(value)); written.is_error()) {
            delete thread;
            return written.release_error();
        }
    }
    process.add_thread(*thread);
    sched::start(*thread);
    return tid;
#else
    (void)request;
    return Error(ENOSYS);
#endif
}

ErrorOr<long> create_process(CloneRequest const& request)
{
#ifdef CONFIG_MULTIPROCESS
    auto& parent = current();
    Process* tree_parent = (request.flags & clone_parent) && parent.parent() ? parent.parent() : &parent;
    Process* child = TRY(Process::create(tree_parent));
    child->set_exit_signal(request.exit_signal);

    auto fail = [&](Error error) -> Error {
        child->finish_unstarted();
        return error;
    };
#ifdef CONFIG_ADDRESS_SPACE_SHARED
    // One address space for everything: a child can only borrow its parent's memory until it
    // execs (vfork, posix_spawn); a copy (fork) does not exist in this model.
    if (!(request.flags & clone_vm))
        return fail(Error(ENOSYS));
    child->image_id = parent.image_id;
    child->borrows_image = true;
#endif
    auto space = (request.flags & clone_vm) ? ErrorOr<RefPtr<mm::AddressSpace>>(parent.address_space_ref()) : parent.address_space().clone_for_fork();
    if (space.is_error())
        return fail(space.release_error());
    child->set_address_space(space.release_value());
    for (auto const& hooks : lifecycle_hooks()) {
        if (!hooks.fork)
            continue;
        if (auto result = hooks.fork(parent, *child, request.flags); result.is_error())
            return fail(result.release_error());
    }

    auto created = sched::Thread::create_user(child, child->pid(), child_frame(request));
    if (created.is_error())
        return fail(created.release_error());
    auto* thread = created.release_value();
    if (request.flags & clone_settls)
        thread->set_fs_base(request.tls);
    if (request.flags & clone_child_settid)
        thread->set_child_tid = request.child_tid;
    if (request.flags & clone_child_cleartid)
        thread->clear_child_tid = request.child_tid;
    thread->robust_list_head = 0;
    auto& creator = current_thread();
    thread->signal_mask = creator.signal_mask;
    // A child with its own memory keeps the alternate signal stack; one sharing memory
    // (vfork) does not, as on Linux.
    if (!(request.flags & clone_vm)) {
        // A copy of the memory keeps the rseq registration, which lives in it (Linux's rule).
        thread->rseq_address = creator.rseq_address;
        thread->rseq_signature = creator.rseq_signature;
    }
    if (!(request.flags & clone_vm) || (request.flags & clone_vfork)) {
        thread->alternate_stack = creator.alternate_stack;
        thread->alternate_stack_size = creator.alternate_stack_size;
        thread->alternate_stack_flags = creator.alternate_stack_flags;
    }
    int pid = child->pid();
    if (request.flags & clone_parent_settid) {
        uint32_t value = uint32_t(pid);
        (void)copy_to_user(request.parent_tid, &value, sizeof(value));
    }
    child->add_thread(*thread);

    VforkCompletion completion;
    if (request.flags & clone_vfork)
        child->vfork_completion = &completion;
    sched::start(*thread);
    if (request.flags & clone_vfork) {
        // The child borrows this thread's memory until it execs or exits.
        while (!completion.done)
            completion.queue.wait_uninterruptible();
    }
    return pid;
#else
    (void)request;
    return Error(ENOSYS);
#endif
}

ErrorOr<long> do_clone(CloneRequest const& request)
{
    TRY(validate(request));
    if (request.flags & clone_thread)
        return create_thread(request);
    return create_process(request);
}

}

}

using namespace process;

// clone(2): the raw x86_64 argument order is flags, stack, parent_tid, child_tid, tls.
SYSCALL_HANDLER(clone)
{
    CloneRequest request {
        .flags = args[0] & ~csignal,
        .exit_signal = int(args[0] & csignal),
        .stack = args[1],
        .parent_tid = args[2],
        .child_tid = args[3],
        .tls = args[4],
    };
    return do_clone(request);
}

// clone3(2)
SYSCALL_HANDLER(clone3)
{
    struct CloneArguments {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
    };
    size_t size = size_t(args[1]);
    constexpr size_t minimum_size = 64; // CLONE_ARGS_SIZE_VER0
    if (size < minimum_size || size > 4096)
        return Error(EINVAL);
    CloneArguments arguments {};
    TRY(copy_from_user(&arguments, args[0], size < sizeof(arguments) ? size : sizeof(arguments)));
    if (size > sizeof(arguments)) {
        // Fields this kernel does not know must be zero (E2BIG otherwise, as Linux).
        uint8_t rest[64];
        for (size_t offset = sizeof(arguments); offset < size; offset += sizeof(rest)) {
            size_t chunk = size - offset < sizeof(rest) ? size - offset : sizeof(rest);
            TRY(copy_from_user(rest, args[0] + offset, chunk));
            for (size_t i = 0; i < chunk; ++i)
                if (rest[i])
                    return Error(E2BIG);
        }
    }
    if (arguments.exit_signal > 64 || (arguments.flags & csignal))
        return Error(EINVAL);
    if (arguments.set_tid || arguments.set_tid_size)
        return Error(EINVAL); // choosing PIDs needs namespaces
    if ((arguments.stack == 0) != (arguments.stack_size == 0))
        return Error(EINVAL);
    CloneRequest request {
        .flags = arguments.flags,
        .exit_signal = int(arguments.exit_signal),
        .stack = arguments.stack ? arguments.stack + arguments.stack_size : 0,
        .parent_tid = arguments.parent_tid,
        .child_tid = arguments.child_tid,
        .tls = arguments.tls,
    };
    return do_clone(request);
}

#ifdef CONFIG_MULTIPROCESS
// fork(2)
SYSCALL_HANDLER(fork)
{
    return do_clone(CloneRequest { .exit_signal = 17 });
}

// vfork(2)
SYSCALL_HANDLER(vfork)
{
    return do_clone(CloneRequest { .flags = clone_vm | clone_vfork, .exit_signal = 17 });
}
#endif
