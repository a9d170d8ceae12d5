// procfs mounted at /proc of a ramfs tree, over processes the fake hooks describe: process 1
// (init) and process 42 (prog, with a second thread 43), seen from 42.
#include <algorithm>
#include <sstream>

#include <config.h>
#include <fs/cpio.h>
#include <fs/procfs.h>

#include "fake_procfs.h"
#include "test_support.h"

namespace {

struct Listed {
    uint64_t inode;
    uint8_t type;
    std::string name;
};

// A symlink inode's target, as readlink(2) returns it.
std::string target_of(fs::Inode& inode)
{
    EXPECT_TRUE(inode.is_symlink());
    return std::string(static_cast<fs::Symlink&>(inode).target());
}

std::vector<std::string> split(std::string const& text, char separator)
{
    std::vector<std::string> parts;
    std::string part;
    std::istringstream stream(text);
    while (std::getline(stream, part, separator))
        parts.push_back(part);
    return parts;
}

// A FIFO-like inode, for what fd links show of descriptions opened without a path.
class FakePipe final : public fs::Inode {
public:
    explicit FakePipe(fs::FileSystem& file_system)
        : Inode(file_system, S_IFIFO | 0600)
    {
    }
};

RefPtr<fs::Inode> make_fake_pipe(fs::FileSystem& file_system)
{
    return RefPtr<fs::Inode>(RefPtr<FakePipe>::adopt(new FakePipe(file_system)));
}

}

class ProcfsTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        fake_procfs::reset();
        MUST(m_mounts.add({ "rootfs", "/", "rootfs", "rw" }));
        MUST(m_mounts.add({ "proc", "/proc", "proc", "rw,nosuid,nodev,noexec,relatime" }));
        m_proc = MUST(fs::ProcFileSystem::create(m_mounts));
        MUST(m_proc->mount(root(), "proc"));

        MUST(mkdir("/bin"));
        MUST(mkdir("/tmp"));
        MUST(mkdir("/etc"));
        write_file("/bin/prog", "\x7f" "ELF program");
        write_file("/etc/passwd", "root:x:0:0::/root:/bin/sh\n");

        auto& init = fake_procfs::add_process(1, "init", 0);
        init.context = MUST(context().try_clone());
        init.fd_table = MUST(fs::FdTable::create());

        auto& prog = fake_procfs::add_process(42, "prog", 1);
        prog.info.state = 'S';
        prog.info.pgid = 40;
        prog.info.sid = 1;
        prog.info.virtual_bytes = 8 << 20;
        prog.info.resident_bytes = 1 << 20;
        prog.info.start_time_ticks = 1234;
        prog.info.user_ticks = 7;
        prog.info.system_ticks = 3;
        prog.info.blocked_signals = 1ull << (15 - 1);
        auto thread = prog.info;
        thread.pid = 43;
        thread.state = 'R';
        prog.threads[43] = thread;
        prog.context = MUST(context().try_clone());
        prog.context->set_cwd(static_cast<fs::Directory*>(MUST(resolve("/tmp")).ptr()));
        prog.fd_table = MUST(fs::FdTable::create());
        prog.executable = MUST(open("/bin/prog", O_RDONLY));
        prog.command_line = std::string("prog\0-v\0two words\0", 18);
        prog.environment = std::string("HOME=/\0PATH=/bin\0", 17);
        prog.maps = "00400000-00401000 r-xp 00000000 00:01 5 /bin/prog\n";
        fake_procfs::current_pid = 42;
        fake_procfs::current_tid = 43;
        m_fds = prog.fd_table;
        MUST(m_fds->install(0, MUST(open("/etc/passwd", O_RDONLY)), false));
        MUST(m_fds->install(1, MUST(open("/tmp/out", O_CREAT | O_WRONLY)), false));
        MUST(m_fds->install(2, MUST(open("/tmp", O_RDONLY | O_DIRECTORY)), false));
        MUST(m_fds->install(5, MUST(fs::OpenFileDescription::create(make_fake_pipe(*m_file_system), O_RDONLY)), false));
    }
    void TearDown() override
    {
        fake_procfs::reset();
        m_fds = nullptr;
        FsTest::TearDown();
        m_proc.clear();
    }

    std::vector<Listed> list(std::string_view path, size_t buffer_size = 4096)
    {
        auto description = MUST(open(path, O_RDONLY | O_DIRECTORY));
        std::vector<Listed> all;
        std::vector<uint8_t> buffer(buffer_size);
        while (true) {
            auto io = fs::IoBuffer::kernel(buffer.data(), buffer.size());
            size_t length = MUST(description->read_directory_entries(io, fs::DirectoryEntryFormat::Linux64));
            if (length == 0)
                return all;
            for (size_t position = 0; position < length;) {
                uint16_t record_length;
                Listed entry;
                memcpy(&entry.inode, buffer.data() + position, 8);
                memcpy(&record_length, buffer.data() + position + 16, 2);
                entry.type = buffer[position + 18];
                entry.name = reinterpret_cast<char const*>(buffer.data() + position + 19);
                all.push_back(entry);
                position += record_length;
            }
        }
    }
    std::vector<std::string> names(std::string_view path, size_t buffer_size = 4096)
    {
        std::vector<std::string> result;
        for (auto const& entry : list(path, buffer_size))
            result.push_back(entry.name);
        return result;
    }
    std::string readlink(std::string_view path) { return target_of(*MUST(resolve(path, fs::Follow::No))); }
    // procfs makes its inodes afresh at each lookup; what stays is their numbers.
    uint64_t number_of(std::string_view path) { return MUST(resolve(path))->number(); }

    fs::MountTable m_mounts;
    OwnPtr<fs::ProcFileSystem> m_proc;
    RefPtr<fs::FdTable> m_fds;
};

TEST_F(ProcfsTest, SelfAndThreadSelf)
{
    EXPECT_EQ(readlink("/proc/self"), "42");
    EXPECT_EQ(readlink("/proc/thread-self"), "42/task/43");
    EXPECT_EQ(number_of("/proc/self"), number_of("/proc/42"));
    EXPECT_TRUE(MUST(resolve("/proc/thread-self"))->is_directory());
    fake_procfs::current_pid = 1;
    fake_procfs::current_tid = 1;
    EXPECT_EQ(readlink("/proc/self"), "1");
    EXPECT_EQ(read_file("/proc/self/comm"), "init\n");
}

TEST_F(ProcfsTest, ExeLinkShowsAndLeadsToTheExecutable)
{
    EXPECT_EQ(readlink("/proc/self/exe"), "/bin/prog");
    EXPECT_EQ(readlink("/proc/42/exe"), "/bin/prog");
    // Following it reaches the file itself (what busybox's re-exec of /proc/self/exe needs).
    EXPECT_EQ(MUST(resolve("/proc/self/exe")), MUST(resolve("/bin/prog")));
    EXPECT_EQ(read_file("/proc/self/exe"), "\x7f" "ELF program");
    // The link leads to the file even after it is renamed, and shows its new name.
    MUST(rename("/bin/prog", "/bin/prog2"));
    EXPECT_EQ(readlink("/proc/self/exe"), "/bin/prog2");
    MUST(unlink("/bin/prog2"));
    EXPECT_EQ(readlink("/proc/self/exe"), "/bin/prog (deleted)");
    EXPECT_EQ(read_file("/proc/self/exe"), "\x7f" "ELF program");
    // A process without an executable: the link is there but reads as ENOENT.
    auto link = MUST(resolve("/proc/1/exe", fs::Follow::No));
    EXPECT_TRUE(link->is_symlink());
    EXPECT_EQ(target_of(*link), "");
    EXPECT_EQ(error_of(resolve("/proc/1/exe")), ENOENT);
}

TEST_F(ProcfsTest, CwdAndRootLinks)
{
    EXPECT_EQ(readlink("/proc/42/cwd"), "/tmp");
    EXPECT_EQ(readlink("/proc/42/root"), "/");
    EXPECT_EQ(MUST(resolve("/proc/42/cwd")), MUST(resolve("/tmp")));
    EXPECT_EQ(MUST(resolve("/proc/42/cwd/..")).ptr(), &root());
    write_file("/tmp/note", "n");
    EXPECT_EQ(read_file("/proc/42/cwd/note"), "n");
    EXPECT_EQ(readlink("/proc/1/cwd"), "/");
}

TEST_F(ProcfsTest, ListingProcShowsFixedEntriesThenProcesses)
{
    auto entries = list("/proc");
    std::vector<std::string> expected { ".", "..", "self", "thread-self", "meminfo", "uptime", "cpuinfo", "version", "filesystems", "mounts", "sys", "1", "42" };
    ASSERT_EQ(entries.size(), expected.size());
    for (size_t index = 0; index < expected.size(); ++index)
        EXPECT_EQ(entries[index].name, expected[index]);
    EXPECT_EQ(entries[0].inode, 1u);
    // ".." of /proc is the directory it is mounted in.
    EXPECT_EQ(entries[1].inode, root().number());
    EXPECT_EQ(entries[2].type, 10); // symlink
    EXPECT_EQ(entries[4].type, 8);  // regular
    EXPECT_EQ(entries[12].type, 4); // directory
    // Each entry's number is the one stat reports after a lookup.
    fs::LinuxStat stat;
    MUST(resolve("/proc/42"))->fill_stat(stat);
    EXPECT_EQ(entries[12].inode, stat.st_ino);
    MUST(resolve("/proc/meminfo"))->fill_stat(stat);
    EXPECT_EQ(entries[4].inode, stat.st_ino);

    // Small buffers resume where they stopped, and processes coming and going between calls
    // do not disturb the positions.
    EXPECT_EQ(names("/proc", 32), std::vector<std::string>(expected.begin(), expected.end()));
    auto description = MUST(open("/proc", O_RDONLY | O_DIRECTORY));
    std::vector<uint8_t> buffer(200);
    auto io = fs::IoBuffer::kernel(buffer.data(), buffer.size());
    EXPECT_GT(MUST(description->read_directory_entries(io, fs::DirectoryEntryFormat::Linux64)), 0u);
    fake_procfs::add_process(7, "seven");
    fake_procfs::processes.erase(1);
    std::vector<std::string> rest;
    while (true) {
        auto more = fs::IoBuffer::kernel(buffer.data(), buffer.size());
        size_t length = MUST(description->read_directory_entries(more, fs::DirectoryEntryFormat::Linux64));
        if (!length)
            break;
        for (size_t position = 0; position < length;) {
            uint16_t record_length;
            memcpy(&record_length, buffer.data() + position + 16, 2);
            rest.push_back(reinterpret_cast<char const*>(buffer.data() + position + 19));
            position += record_length;
        }
    }
    ASSERT_FALSE(rest.empty());
    EXPECT_EQ(rest.back(), "42");
    EXPECT_EQ(std::count(rest.begin(), rest.end(), "1"), 0);
}

TEST_F(ProcfsTest, ProcessDirectory)
{
    EXPECT_EQ(names("/proc/42"), (std::vector<std::string> { ".", "..", "task", "fd", "environ", "status", "comm", "cmdline", "stat", "maps", "cwd", "root", "exe", "mounts" }));
    EXPECT_EQ(names("/proc/42/task"), (std::vector<std::string> { ".", "..", "42", "43" }));
    EXPECT_EQ(names("/proc/42/task/43"), (std::vector<std::string> { ".", "..", "fd", "environ", "status", "comm", "cmdline", "stat", "maps", "cwd", "root", "exe", "mounts" }));
    EXPECT_EQ(names("/proc/sys/kernel"), (std::vector<std::string> { ".", "..", "hostname", "ostype", "osrelease", "pid_max" }));
    fs::LinuxStat stat;
    MUST(resolve("/proc/42"))->fill_stat(stat);
    EXPECT_EQ(stat.st_mode, uint32_t(S_IFDIR | 0555));
    MUST(resolve("/proc/42/fd"))->fill_stat(stat);
    EXPECT_EQ(stat.st_mode, uint32_t(S_IFDIR | 0500));
    MUST(resolve("/proc/42/environ"))->fill_stat(stat);
    EXPECT_EQ(stat.st_mode, uint32_t(S_IFREG | 0400));
    EXPECT_EQ(stat.st_size, 0);
    MUST(resolve("/proc/42/exe", fs::Follow::No))->fill_stat(stat);
    EXPECT_EQ(stat.st_mode, uint32_t(S_IFLNK | 0777));
}

TEST_F(ProcfsTest, MissingProcessesAreEnoent)
{
    EXPECT_EQ(error_of(resolve("/proc/999")), ENOENT);
    EXPECT_EQ(error_of(resolve("/proc/999/stat")), ENOENT);
    EXPECT_EQ(error_of(open("/proc/999/cmdline", O_RDONLY)), ENOENT);
    // Names that are not canonical numbers are not processes.
    EXPECT_EQ(error_of(resolve("/proc/042")), ENOENT);
    EXPECT_EQ(error_of(resolve("/proc/+42")), ENOENT);
    EXPECT_EQ(error_of(resolve("/proc/99999999999")), ENOENT);
    EXPECT_EQ(error_of(resolve("/proc/42/task/44")), ENOENT);
    EXPECT_EQ(error_of(resolve("/proc/42/fd/3")), ENOENT);
    EXPECT_EQ(error_of(resolve("/proc/42/nothing")), ENOENT);
    // A thread's id is a directory too, though only processes are listed.
    EXPECT_TRUE(MUST(resolve("/proc/43"))->is_directory());

    // A process that ends takes its directories with it, even those already open.
    auto directory = MUST(open("/proc/42/fd", O_RDONLY | O_DIRECTORY));
    context().set_cwd(static_cast<fs::Directory*>(MUST(resolve("/proc/42")).ptr()));
    EXPECT_EQ(read_file("stat").substr(0, 10), "42 (prog) ");
    fake_procfs::processes.erase(42);
    EXPECT_EQ(error_of(resolve("stat")), ENOENT);
    EXPECT_EQ(error_of(fs::absolute_path_of(context(), context().cwd())), ENOENT);
    std::vector<uint8_t> buffer(4096);
    auto io = fs::IoBuffer::kernel(buffer.data(), buffer.size());
    size_t length = MUST(directory->read_directory_entries(io, fs::DirectoryEntryFormat::Linux64));
    // Only "." and "..".
    EXPECT_EQ(length, 48u);
}

TEST_F(ProcfsTest, StatFormat)
{
    auto text = read_file("/proc/42/stat");
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    text.pop_back();
    EXPECT_EQ(text.substr(0, 12), "42 (prog) S ");
    // Fields after the command name, numbered as proc_pid_stat(5) does from 3.
    auto fields = split(text.substr(text.rfind(')') + 2), ' ');
    ASSERT_EQ(fields.size(), 50u);
    auto field = [&](int number) { return fields[size_t(number - 3)]; };
    EXPECT_EQ(field(3), "S");
    EXPECT_EQ(field(4), "1");   // ppid
    EXPECT_EQ(field(5), "40");  // pgrp
    EXPECT_EQ(field(6), "1");   // session
    EXPECT_EQ(field(7), "0");   // tty_nr
    EXPECT_EQ(field(8), "-1");  // tpgid
    EXPECT_EQ(field(14), "7");  // utime
    EXPECT_EQ(field(15), "3");  // stime
    EXPECT_EQ(field(18), "20"); // priority
    EXPECT_EQ(field(19), "0");  // nice
    EXPECT_EQ(field(20), "2");  // num_threads
    EXPECT_EQ(field(22), "1234"); // starttime
    EXPECT_EQ(field(23), std::to_string(8 << 20)); // vsize in bytes
    EXPECT_EQ(field(24), "256"); // rss in pages
    EXPECT_EQ(field(25), "18446744073709551615");
    EXPECT_EQ(field(32), std::to_string(1 << 14)); // blocked
    EXPECT_EQ(field(38), "17"); // exit_signal
    EXPECT_EQ(field(52), "0");  // exit_code

    // A thread's stat is the thread's.
    auto thread = read_file("/proc/42/task/43/stat");
    EXPECT_EQ(thread.substr(0, 12), "43 (prog) R ");
    // A command name with spaces and parentheses stays inside the outer ones.
    auto& odd = fake_procfs::add_process(50, "a) b (c");
    odd.info.state = 'Z';
    EXPECT_EQ(read_file("/proc/50/stat").substr(0, 16), "50 (a) b (c) Z 1");
}

TEST_F(ProcfsTest, StatusLines)
{
    auto lines = split(read_file("/proc/self/status"), '\n');
    auto value = [&](std::string const& key) -> std::string {
        for (auto const& line : lines) {
            if (line.rfind(key + ":\t", 0) == 0)
                return line.substr(key.size() + 2);
        }
        ADD_FAILURE() << "no " << key;
        return {};
    };
    EXPECT_EQ(lines[0], "Name:\tprog");
    EXPECT_EQ(value("State"), "S (sleeping)");
    EXPECT_EQ(value("Tgid"), "42");
    EXPECT_EQ(value("Pid"), "42");
    EXPECT_EQ(value("PPid"), "1");
    EXPECT_EQ(value("Uid"), "0\t0\t0\t0");
    EXPECT_EQ(value("Gid"), "0\t0\t0\t0");
    EXPECT_EQ(value("Threads"), "2");
    EXPECT_EQ(value("VmRSS"), "    1024 kB");
    EXPECT_EQ(value("VmSize"), "    8192 kB");
    EXPECT_EQ(value("Umask"), "0022");
    EXPECT_EQ(value("SigBlk"), "0000000000004000");
    auto thread = split(read_file("/proc/42/task/43/status"), '\n');
    EXPECT_NE(std::find(thread.begin(), thread.end(), "Pid:\t43"), thread.end());
    EXPECT_NE(std::find(thread.begin(), thread.end(), "Tgid:\t42"), thread.end());
}

TEST_F(ProcfsTest, CommandLineEnvironmentAndMaps)
{
    EXPECT_EQ(read_file("/proc/42/cmdline"), std::string("prog\0-v\0two words\0", 18));
    EXPECT_EQ(read_file("/proc/self/environ"), std::string("HOME=/\0PATH=/bin\0", 17));
    EXPECT_EQ(read_file("/proc/self/maps"), "00400000-00401000 r-xp 00000000 00:01 5 /bin/prog\n");
    EXPECT_EQ(read_file("/proc/42/comm"), "prog\n");
    EXPECT_EQ(read_file("/proc/1/cmdline"), "");
}

TEST_F(ProcfsTest, PartialReadsSeeOneSnapshotAndSeekingToZeroRefreshes)
{
    auto description = MUST(open("/proc/42/cmdline", O_RDONLY));
    std::string collected;
    char byte;
    for (int index = 0; index < 5; ++index) {
        auto buffer = fs::IoBuffer::kernel(&byte, 1);
        ASSERT_EQ(MUST(description->read(buffer)), 1u);
        collected.push_back(byte);
    }
    // A change in the middle of the reads does not tear them.
    fake_procfs::processes[42].command_line = std::string("other\0", 6);
    collected += read_all(*description);
    EXPECT_EQ(collected, std::string("prog\0-v\0two words\0", 18));
    // Reading again from 0 generates the text anew, as seq_file does.
    EXPECT_EQ(MUST(description->seek(0, SEEK_SET)), 0u);
    EXPECT_EQ(read_all(*description), std::string("other\0", 6));
    EXPECT_EQ(MUST(description->seek(2, SEEK_SET)), 2u);
    EXPECT_EQ(read_all(*description), std::string("her\0", 4));
    char chunk[3];
    auto buffer = fs::IoBuffer::kernel(chunk, sizeof(chunk));
    EXPECT_EQ(MUST(description->pread(1, buffer)), 3u);
    EXPECT_EQ(std::string(chunk, 3), "the");
}

TEST_F(ProcfsTest, FdDirectory)
{
    EXPECT_EQ(names("/proc/self/fd"), (std::vector<std::string> { ".", "..", "0", "1", "2", "5" }));
    EXPECT_EQ(readlink("/proc/self/fd/0"), "/etc/passwd");
    EXPECT_EQ(readlink("/proc/self/fd/1"), "/tmp/out");
    EXPECT_EQ(readlink("/proc/self/fd/2"), "/tmp");
    // A description without a path: Linux's "pipe:[INODE]".
    auto pipe = MUST(m_fds->get(5));
    EXPECT_EQ(readlink("/proc/self/fd/5"), "pipe:[" + std::to_string(pipe->inode().number()) + "]");

    // The modes follow the access: read-only lr-x, write-only l-wx.
    fs::LinuxStat stat;
    MUST(resolve("/proc/self/fd/0", fs::Follow::No))->fill_stat(stat);
    EXPECT_EQ(stat.st_mode, uint32_t(S_IFLNK | 0500));
    MUST(resolve("/proc/self/fd/1", fs::Follow::No))->fill_stat(stat);
    EXPECT_EQ(stat.st_mode, uint32_t(S_IFLNK | 0300));

    // Opening a descriptor's link opens the same file, even once it has no name.
    write_file("/tmp/scratch", "kept");
    MUST(m_fds->install(7, MUST(open("/tmp/scratch", O_RDONLY)), false));
    MUST(unlink("/tmp/scratch"));
    EXPECT_EQ(readlink("/proc/42/fd/7"), "/tmp/scratch (deleted)");
    EXPECT_EQ(read_file("/proc/42/fd/7"), "kept");
    EXPECT_EQ(MUST(resolve("/proc/42/fd/5")).ptr(), &pipe->inode());
    // A file renamed within its directory shows its new name.
    write_file("/tmp/before", "b");
    MUST(m_fds->install(8, MUST(open("/tmp/before", O_RDONLY)), false));
    MUST(rename("/tmp/before", "/tmp/after"));
    EXPECT_EQ(readlink("/proc/42/fd/8"), "/tmp/after");
    // Through a symlink, the file's own place.
    MUST(symlink("/etc/passwd", "/tmp/link"));
    MUST(m_fds->install(9, MUST(open("/tmp/link", O_RDONLY)), false));
    EXPECT_EQ(readlink("/proc/42/fd/9"), "/etc/passwd");
    // And a file opened through /proc shows its /proc path.
    MUST(m_fds->install(10, MUST(open("/proc/self/status", O_RDONLY)), false));
    EXPECT_EQ(readlink("/proc/42/fd/10"), "/proc/42/status");
    MUST(m_fds->install(11, MUST(open("/proc/self/fd/0", O_RDONLY)), false));
    EXPECT_EQ(readlink("/proc/42/fd/11"), "/etc/passwd");
    // O_CREAT through the link (a shell's `> /dev/stdout`) opens the pipe too, not a file
    // named after "pipe:[N]".
    MUST(symlink("/proc/self/fd/5", "/tmp/stdout"));
    EXPECT_EQ(&MUST(open("/tmp/stdout", O_CREAT | O_WRONLY | O_TRUNC))->inode(), &pipe->inode());
    EXPECT_EQ(&MUST(open("/proc/self/fd/5", O_CREAT | O_WRONLY))->inode(), &pipe->inode());
}

TEST_F(ProcfsTest, SystemFiles)
{
    auto meminfo = split(read_file("/proc/meminfo"), '\n');
    ASSERT_GE(meminfo.size(), 3u);
    EXPECT_EQ(meminfo[0], "MemTotal:         524288 kB");
    EXPECT_EQ(meminfo[1], "MemFree:          307200 kB");
    EXPECT_EQ(meminfo[2], "MemAvailable:     307200 kB");

    fake_platform::realtime = 3'723'450'000'000;
    EXPECT_EQ(read_file("/proc/uptime"), "3723.45 0.00\n");

    auto cpuinfo = read_file("/proc/cpuinfo");
    EXPECT_EQ(cpuinfo.rfind("processor\t: 0\nvendor_id\t: ", 0), 0u) << cpuinfo;
    EXPECT_NE(cpuinfo.find("\nflags\t\t: fpu"), std::string::npos) << cpuinfo;
    EXPECT_EQ(cpuinfo.substr(cpuinfo.size() - 2), "\n\n");

    EXPECT_EQ(read_file("/proc/mounts"), "rootfs / rootfs rw 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
    EXPECT_EQ(readlink("/proc/mounts"), "self/mounts");
    EXPECT_EQ(read_file("/proc/self/mounts"), read_file("/proc/mounts"));
    EXPECT_EQ(read_file("/proc/filesystems"), "nodev\trootfs\nnodev\tramfs\nnodev\tproc\n");
    EXPECT_EQ(read_file("/proc/version"), "Linux version 6.1.0-unifork (unifork) #1 unifork 0.1.0\n");
    EXPECT_EQ(read_file("/proc/sys/kernel/hostname"), "testhost\n");
    EXPECT_EQ(read_file("/proc/sys/kernel/ostype"), "Linux\n");
    EXPECT_EQ(read_file("/proc/sys/kernel/osrelease"), "6.1.0-unifork\n");
    EXPECT_EQ(read_file("/proc/sys/kernel/pid_max"), "32768\n");
}

TEST_F(ProcfsTest, EverythingIsReadOnly)
{
    EXPECT_EQ(error_of(open("/proc/sys/kernel/hostname", O_WRONLY)), EACCES);
    EXPECT_EQ(error_of(open("/proc/meminfo", O_RDWR)), EACCES);
    EXPECT_EQ(error_of(open("/proc/self/comm", O_WRONLY | O_TRUNC)), EACCES);
    EXPECT_EQ(error_of(fs::check_access(*MUST(resolve("/proc/meminfo")), W_OK)), EACCES);
    EXPECT_EQ(error_of(fs::check_access(*MUST(resolve("/proc/meminfo")), R_OK)), 0);
    EXPECT_EQ(error_of(open("/proc", O_WRONLY)), EISDIR);
    // No entry can be made or removed: EACCES for a file open(2) would create, EPERM for
    // the rest, as Linux says for inodes without those operations.
    EXPECT_EQ(error_of(open("/proc/new", O_CREAT | O_WRONLY)), EACCES);
    EXPECT_EQ(error_of(mkdir("/proc/new")), EPERM);
    EXPECT_EQ(error_of(symlink("x", "/proc/new")), EPERM);
    EXPECT_EQ(error_of(unlink("/proc/meminfo")), EPERM);
    EXPECT_EQ(error_of(rmdir("/proc/42/fd")), EPERM);
    EXPECT_EQ(error_of(rename("/proc/meminfo", "/proc/other")), EPERM);
    EXPECT_EQ(error_of(mkdir("/proc/42")), EEXIST);
    // Across the mount: EXDEV; the mount point itself is busy.
    EXPECT_EQ(error_of(rename("/etc/passwd", "/proc/passwd")), EXDEV);
    EXPECT_EQ(error_of(rename("/proc/meminfo", "/tmp/meminfo")), EXDEV);
    EXPECT_EQ(error_of(fs::make_link(context(), context().cwd(), "/etc/passwd", context().cwd(), "/proc/passwd", fs::Follow::No)), EXDEV);
    EXPECT_EQ(error_of(rmdir("/proc")), EBUSY);
    EXPECT_EQ(error_of(rename("/proc", "/proc2")), EBUSY);
    MUST(mkdir("/empty"));
    EXPECT_EQ(error_of(rename("/empty", "/proc")), EBUSY);
    EXPECT_EQ(error_of(unlink("/proc")), EISDIR);
}

TEST_F(ProcfsTest, InodeNumbersAreStableAndDeviceIsProcs)
{
    fs::LinuxStat first, second;
    MUST(resolve("/proc/42/status"))->fill_stat(first);
    MUST(resolve("/proc/self/status"))->fill_stat(second);
    EXPECT_EQ(first.st_ino, second.st_ino);
    EXPECT_EQ(first.st_dev, fs::encode_device(0, fs::procfs_device_minor));
    MUST(resolve("/proc/1/status"))->fill_stat(second);
    EXPECT_NE(first.st_ino, second.st_ino);
    MUST(resolve("/proc"))->fill_stat(first);
    EXPECT_EQ(first.st_ino, 1u);
    fs::LinuxStatfs statfs;
    MUST(resolve("/proc/meminfo"))->file_system().fill_statfs(statfs);
    EXPECT_EQ(uint64_t(statfs.f_type), fs::proc_super_magic);
}

TEST_F(ProcfsTest, WorkingDirectoryInsideProc)
{
    MUST(fs::change_directory(context(), MUST(resolve("/proc/self/fd"))));
    EXPECT_EQ(MUST(fs::absolute_path_of(context(), context().cwd())).view(), "/proc/42/fd");
    EXPECT_EQ(number_of(".."), number_of("/proc/42"));
    EXPECT_EQ(MUST(resolve("../../..")).ptr(), &root());
    EXPECT_EQ(readlink("0"), "/etc/passwd");
}

TEST_F(ProcfsTest, ArchiveEntriesUnderTheMountAreSkipped)
{
    // An initrd made from a root file system has an empty /proc, maybe more.
    std::string archive;
    auto add = [&](std::string const& name, uint32_t mode, std::string const& data) {
        char header[111];
        snprintf(header, sizeof(header), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
            1u, mode, 0u, 0u, 1u, 0u, unsigned(data.size()), 0u, 0u, 0u, 0u, unsigned(name.size() + 1), 0u);
        archive += header;
        archive += name;
        archive.push_back('\0');
        while (archive.size() % 4)
            archive.push_back('\0');
        archive += data;
        while (archive.size() % 4)
            archive.push_back('\0');
    };
    add("proc", S_IFDIR | 0755, "");
    add("proc/stray", S_IFREG | 0644, "x");
    add("etc/hosts", S_IFREG | 0644, "127.0.0.1 localhost\n");
    add("TRAILER!!!", 0, "");
    char const* reason = nullptr;
    auto result = fs::unpack_cpio(root(), { reinterpret_cast<uint8_t const*>(archive.data()), archive.size() }, &reason);
    ASSERT_FALSE(result.is_error()) << (reason ? reason : "");
    EXPECT_EQ(read_file("/etc/hosts"), "127.0.0.1 localhost\n");
    EXPECT_EQ(error_of(resolve("/proc/stray")), ENOENT);
    fs::LinuxStat stat;
    MUST(resolve("/proc"))->fill_stat(stat);
    EXPECT_EQ(stat.st_mode, uint32_t(S_IFDIR | 0555));
}

#if defined(CONFIG_FS_PROCFS) && defined(CONFIG_FS_DEVFS)
TEST(ProcfsVfs, RootSetupMountsProcAndDevFd)
{
    fake_procfs::reset();
    auto vfs = MUST(fs::Vfs::create());
    auto& context = vfs->kernel_context();
    auto proc = MUST(fs::resolve_path(context, context.root(), "/proc", fs::Follow::Yes));
    fs::LinuxStat stat;
    proc->fill_stat(stat);
    EXPECT_EQ(stat.st_ino, 1u);
    EXPECT_EQ(stat.st_dev, fs::encode_device(0, fs::procfs_device_minor));
    auto fd = MUST(fs::resolve_path(context, context.root(), "/dev/fd", fs::Follow::No));
    EXPECT_EQ(target_of(*fd), "/proc/self/fd");
    EXPECT_EQ(target_of(*MUST(fs::resolve_path(context, context.root(), "/dev/stderr", fs::Follow::No))), "/proc/self/fd/2");
    ASSERT_EQ(vfs->mounts().entries().size(), 2u);
    EXPECT_STREQ(vfs->mounts().entries()[1].point, "/proc");

    // The console descriptors show as /dev/console.
    auto table = MUST(fs::FdTable::create());
    MUST(fs::open_console_descriptors(*table, *vfs));
    EXPECT_EQ(MUST(fs::path_of(*MUST(table->get(0)))).view(), "/dev/console");
    EXPECT_EQ(MUST(fs::path_of(*MUST(table->get(2)))).view(), "/dev/console");
}
#endif
