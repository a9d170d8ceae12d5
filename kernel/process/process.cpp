#include <arch/cpu.h>
#include <config.h>
#include <lib/assert.h>
#include <fs/fd_table.h>
#include <fs/fs_context.h>
#include <fs/initrd.h>
#include <plat/power.h>
#include <process/process.h>
#include <signal/signal_state.h>
#include <syscall/trace.h>

namespace process {

static Process* s_current;

ErrorOr<OwnPtr<Process>> Process::create()
{
    auto* raw = new (std::nothrow) Process();
    if (!raw)
        return Error(ENOMEM);
    OwnPtr<Process> process(raw);
    process->m_address_space = TRY(mm::AddressSpace::create());
    process->m_fd_table = TRY(fs::FdTable::create());
    process->m_fs_context = TRY(fs::FsContext::create(fs::root_directory()));
#ifdef CONFIG_SIGNAL
    process->m_signal_state = TRY(try_make<signal::SignalState>());
#endif
    for (auto& limit : process->m_resource_limits)
        limit = { unlimited, unlimited };
    // Linux's defaults for a process started by init.
    process->m_resource_limits[3] = { 8ull << 20, unlimited };         // RLIMIT_STACK
    process->m_resource_limits[4] = { 0, unlimited };                  // RLIMIT_CORE
    process->m_resource_limits[6] = { 63'000, 63'000 };                // RLIMIT_NPROC
    process->m_resource_limits[7] = { fs::FdTable::default_limit, 4096 }; // RLIMIT_NOFILE
    process->m_resource_limits[8] = { 8ull << 20, 8ull << 20 };        // RLIMIT_MEMLOCK
    process->m_resource_limits[11] = { 63'000, 63'000 };               // RLIMIT_SIGPENDING
    process->m_resource_limits[12] = { 819'200, 819'200 };             // RLIMIT_MSGQUEUE
    process->m_resource_limits[13] = { 0, 0 };                         // RLIMIT_NICE
    process->m_resource_limits[14] = { 0, 0 };                         // RLIMIT_RTPRIO
    s_current = process.ptr();
    return process;
}

Process::~Process()
{
    if (s_current == this)
        s_current = nullptr;
}

void Process::replace_address_space(OwnPtr<mm::AddressSpace> space)
{
    space->activate();
    m_address_space = std::move(space);
}

void Process::set_fs_base(uint64_t base)
{
    m_fs_base = base;
    arch::write_msr(arch::msr_fs_base, base);
}

void Process::set_gs_base(uint64_t base)
{
    m_gs_base = base;
    arch::write_msr(arch::msr_gs_base, base);
}

Process& current()
{
    VERIFY(s_current);
    return *s_current;
}

void exit_process(int status)
{
    syscall::report_unimplemented();
    plat::exit_vm_exited(status & 0xff);
}

void kill_process(int signal)
{
    syscall::report_unimplemented();
    plat::exit_vm_signaled(signal);
}

}

namespace fs {
FdTable& current_fd_table() { return process::current().fd_table(); }
FsContext& current_fs_context() { return process::current().fs_context(); }
}

namespace signal {
SignalState* current_signal_state() { return process::current().signal_state(); }
}
