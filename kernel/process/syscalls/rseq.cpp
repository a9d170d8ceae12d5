// rseq(2): restartable sequences. With one CPU the CPU number is always 0; what matters is that
// a critical section interrupted by preemption or a signal restarts at its abort handler.
#include <lib/user_memory.h>
#include <process/process.h>
#include <process/rseq.h>
#include <syscall/syscall.h>

namespace process {

namespace {

constexpr uint32_t original_rseq_size = 32;
constexpr int rseq_flag_unregister = 1;
constexpr uint32_t cpu_id_uninitialized = 0xffff'ffff;

struct CriticalSection {
    uint32_t version;
    uint32_t flags;
    uint64_t start_ip;
    uint64_t post_commit_offset;
    uint64_t abort_ip;
};

ErrorOr<void> write_cpu(uint64_t address, uint32_t cpu)
{
    TRY(UserPtr<uint32_t>(address).write(cpu));     // cpu_id_start
    TRY(UserPtr<uint32_t>(address + 4).write(cpu)); // cpu_id
    return {};
}

}

bool fix_up_restartable_sequence(sched::Thread& thread, arch::RegisterFrame& frame)
{
    if (!thread.rseq_address)
        return true;
    auto section_address = UserPtr<uint64_t>(thread.rseq_address + 8).read();
    if (section_address.is_error())
        return false;
    if (!section_address.value())
        return true;
    auto section = UserPtr<CriticalSection>(section_address.value()).read();
    if (section.is_error() || section.value().version != 0)
        return false;
    auto const& critical = section.value();
    if (frame.rip - critical.start_ip >= critical.post_commit_offset)
        return true;
    // The abort handler must be preceded by the registered signature, or the process dies.
    auto signature = UserPtr<uint32_t>(critical.abort_ip - 4).read();
    if (signature.is_error() || signature.value() != thread.rseq_signature)
        return false;
    if (UserPtr<uint64_t>(thread.rseq_address + 8).write(0).is_error())
        return false;
    frame.rip = critical.abort_ip;
    return true;
}

}

using namespace process;

SYSCALL_HANDLER(rseq)
{
    uint64_t address = args[0];
    uint32_t length = uint32_t(args[1]);
    int flags = args.as_int(2);
    uint32_t signature = uint32_t(args[3]);
    auto& thread = current_thread();
    if (flags & rseq_flag_unregister) {
        if (flags & ~rseq_flag_unregister)
            return Error(EINVAL);
        if (thread.rseq_address != address)
            return Error(EINVAL);
        if (length != original_rseq_size && length < original_rseq_size)
            return Error(EINVAL);
        if (signature != thread.rseq_signature)
            return Error(EPERM);
        TRY(write_cpu(address, cpu_id_uninitialized));
        thread.rseq_address = 0;
        thread.rseq_signature = 0;
        return 0;
    }
    if (flags)
        return Error(EINVAL);
    if (thread.rseq_address) {
        if (thread.rseq_address != address || signature != thread.rseq_signature)
            return Error(EINVAL);
        return Error(EBUSY);
    }
    if (length < original_rseq_size || address % 32)
        return Error(EINVAL);
    if (!lib::is_user_range(address, length))
        return Error(EFAULT);
    TRY(write_cpu(address, 0));
    thread.rseq_address = address;
    thread.rseq_signature = signature;
    return 0;
}
