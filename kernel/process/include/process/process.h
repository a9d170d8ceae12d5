#pragma once

#include <cstdint>
#include <string_view>

#include <lib/own_ptr.h>
#include <lib/string.h>
#include <mm/address_space.h>

namespace fs {
class FdTable;
class FsContext;
}

namespace signal {
class SignalState;
}

namespace process {

// Resource limits (getrlimit(2)), Linux's numbering and defaults.
struct ResourceLimit {
    uint64_t current;
    uint64_t maximum;
};
constexpr int resource_limit_count = 16;
constexpr uint64_t unlimited = ~uint64_t(0);

// The running application. Single process, single thread at this configuration level: the
// process is PID 1 and its only thread has TID 1.
class Process {
public:
    static ErrorOr<OwnPtr<Process>> create();
    ~Process();

    int pid() const { return m_pid; }
    int tid() const { return m_pid; }

    mm::AddressSpace& address_space() { return *m_address_space; }
    void replace_address_space(OwnPtr<mm::AddressSpace>);
    fs::FdTable& fd_table() { return *m_fd_table; }
    fs::FsContext& fs_context() { return *m_fs_context; }
    signal::SignalState* signal_state() { return m_signal_state.ptr(); }

    String const& executable_path() const { return m_executable_path; }
    void set_executable_path(String path) { m_executable_path = std::move(path); }

    uint64_t fs_base() const { return m_fs_base; }
    void set_fs_base(uint64_t);
    uint64_t gs_base() const { return m_gs_base; }
    void set_gs_base(uint64_t);

    uint64_t clear_child_tid() const { return m_clear_child_tid; }
    void set_clear_child_tid(uint64_t address) { m_clear_child_tid = address; }
    uint64_t robust_list_head() const { return m_robust_list_head; }
    void set_robust_list(uint64_t head) { m_robust_list_head = head; }

    ResourceLimit& resource_limit(int resource) { return m_resource_limits[resource]; }

private:
    Process() = default;

    int m_pid { 1 };
    OwnPtr<mm::AddressSpace> m_address_space;
    RefPtr<fs::FdTable> m_fd_table;
    RefPtr<fs::FsContext> m_fs_context;
    OwnPtr<signal::SignalState> m_signal_state;
    String m_executable_path;
    uint64_t m_fs_base { 0 };
    uint64_t m_gs_base { 0 };
    uint64_t m_clear_child_tid { 0 };
    uint64_t m_robust_list_head { 0 };
    ResourceLimit m_resource_limits[resource_limit_count];
};

Process& current();

// The UTS host name uname(2) reports; "unifork" unless the launch file names one.
void set_hostname(std::string_view);

// Ends the application: reports the unimplemented syscalls it tried and stops the VM with
// its status.
[[noreturn]] void exit_process(int status);
[[noreturn]] void kill_process(int signal);

}
