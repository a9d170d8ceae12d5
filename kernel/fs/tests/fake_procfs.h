#pragma once

// The process library's side of procfs for host tests: processes and threads a test sets up,
// and the hooks answering from them.
#include <map>
#include <string>
#include <vector>

#include <fs/procfs.h>

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
};

extern std::map<int, Process> processes;
extern int current_pid;
extern int current_tid;
extern fs::procfs::SystemInfo system;
extern fs::procfs::MemoryInfo memory;

// A process with one thread, named `name`, and nothing else.
Process& add_process(int pid, char const* name, int ppid = 1);
void reset();

}
