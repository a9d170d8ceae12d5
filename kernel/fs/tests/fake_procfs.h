#pragma once

// The process library's side of procfs for host tests: processes and threads a test sets up,
// and the hooks answering from them.
#include <map>
#include <string>
#include <vector>

#include <fs/procfs.h>
#include <lib/credentials.h>

namespace fake_procfs {

struct Process {
    fs::procfs::TaskInfo info;
    // Threads other than the main one, by id.
    std::map<int, fs::procfs::TaskInfo> threads;
    RefPtr<fs::FdTable> fd_table;
    RefPtr<fs::FsContext> context;
    RefPtr<fs::OpenFileDescription> executable;
    std::string command_line;
    std::string environment;
    std::string maps;
    std::vector<uint32_t> groups;
};

extern std::map<int, Process> processes;
extern int current_pid;
extern int current_tid;
extern fs::procfs::SystemInfo system;
extern fs::procfs::MemoryInfo memory;
// What fs::current_credentials() returns: null (root) unless a test points it elsewhere.
extern lib::Credentials const* credentials;

// A process with one thread, named `name`, and nothing else.
Process& add_process(int pid, char const* name, int ppid = 1);
void reset();

}
