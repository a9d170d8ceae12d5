// /proc: directories, files and links made up at lookup time from what the process hooks
// report. Every node is named by what it stands for (which node, of which process, thread
// and descriptor), and its inode number follows from that, so that looking the same thing up
// twice gives the same number, as programs that compare st_ino expect. File contents are
// generated when a read starts at offset 0 and kept with the open description for the reads
// that follow, as Linux's seq_file does, so partial reads and lseek see one snapshot.
#include <cpuid.h>
#include <cstdarg>
#include <cstring>
#include <new>

#include <fs/procfs.h>
#include <fs/vfs.h>
#include <lib/format.h>
#include <plat/clock.h>

namespace fs {

namespace {

using namespace procfs;

enum class Node : uint8_t {
    Root,
    Self,
    ThreadSelf,
    Meminfo,
    Uptime,
    Cpuinfo,
    Version,
    Mounts,
    Filesystems,
    Sys,
    SysKernel,
    Hostname,
    Ostype,
    Osrelease,
    PidMax,
    Process,
    Task,
    Thread,
    Fd,
    FdLink,
    Exe,
    Cwd,
    RootLink,
    Cmdline,
    Environ,
    Stat,
    Status,
    Comm,
    Maps,
    ProcessMounts,
};

// What a node stands for: the node, and the process, thread and descriptor it is about.
struct Id {
    Node node { Node::Root };
    int pid { 0 };
    int tid { 0 }; // set under /proc/PID/task/TID
    int fd { -1 };

    // The task whose details the node shows.
    int task() const { return tid ? tid : pid; }
};

struct Entry {
    char const* name;
    Node node;
    uint32_t mode;
};

constexpr uint32_t directory_mode = S_IFDIR | 0555;
constexpr uint32_t file_mode = S_IFREG | 0444;
constexpr uint32_t link_mode = S_IFLNK | 0777;

// Linux keeps these in creation order; the numbered directories come after them.
constexpr Entry root_entries[] = {
    { "self", Node::Self, link_mode },
    { "thread-self", Node::ThreadSelf, link_mode },
    { "meminfo", Node::Meminfo, file_mode },
    { "uptime", Node::Uptime, file_mode },
    { "cpuinfo", Node::Cpuinfo, file_mode },
    { "version", Node::Version, file_mode },
    { "filesystems", Node::Filesystems, file_mode },
    { "mounts", Node::Mounts, link_mode },
    { "sys", Node::Sys, directory_mode },
};

constexpr Entry sys_entries[] = {
    { "kernel", Node::SysKernel, directory_mode },
};

// Linux makes hostname and pid_max writable (0644); nothing here changes through /proc.
constexpr Entry sys_kernel_entries[] = {
    { "hostname", Node::Hostname, file_mode },
    { "ostype", Node::Ostype, file_mode },
    { "osrelease", Node::Osrelease, file_mode },
    { "pid_max", Node::PidMax, file_mode },
};

// In the order of Linux's tgid_base_stuff. "task" only at the process level, not in
// /proc/PID/task/TID. comm is read-only here (Linux lets it be written).
constexpr Entry process_entries[] = {
    { "task", Node::Task, directory_mode },
    { "fd", Node::Fd, S_IFDIR | 0500 },
    { "environ", Node::Environ, S_IFREG | 0400 },
    { "status", Node::Status, file_mode },
    { "comm", Node::Comm, file_mode },
    { "cmdline", Node::Cmdline, file_mode },
    { "stat", Node::Stat, file_mode },
    { "maps", Node::Maps, file_mode },
    { "cwd", Node::Cwd, link_mode },
    { "root", Node::RootLink, link_mode },
    { "exe", Node::Exe, link_mode },
    { "mounts", Node::ProcessMounts, file_mode },
};

constexpr uint64_t root_inode_number = 1; // Linux's PROC_ROOT_INO

// A stable number for what `id` stands for: FNV-1a of its fields, kept to 31 bits as Linux's
// procfs numbers fit in 32.
uint64_t inode_number_of(Id const& id)
{
    if (id.node == Node::Root)
        return root_inode_number;
    uint64_t hash = 0xcbf29ce484222325;
    auto mix = [&](uint64_t value) {
        for (int index = 0; index < 8; ++index) {
            hash ^= (value >> (8 * index)) & 0xff;
            hash *= 0x100000001b3;
        }
    };
    mix(uint64_t(id.node));
    mix(uint64_t(uint32_t(id.pid)));
    mix(uint64_t(uint32_t(id.tid)));
    mix(uint64_t(uint32_t(id.fd)));
    uint64_t number = (hash ^ (hash >> 32)) & 0x7fffffff;
    return number < 2 ? number + 2 : number;
}

std::span<Entry const> entries_of(Node node)
{
    switch (node) {
    case Node::Root:
        return root_entries;
    case Node::Sys:
        return sys_entries;
    case Node::SysKernel:
        return sys_kernel_entries;
    case Node::Process:
        return process_entries;
    case Node::Thread:
        return std::span<Entry const>(process_entries).subspan(1);
    default:
        return {};
    }
}

// A decimal number as a name: no sign, no leading zero, below 2^31 (Linux's name_to_int()).
int parse_number(std::string_view name)
{
    if (name.empty() || name.size() > 10 || (name[0] == '0' && name.size() > 1))
        return -1;
    int64_t value = 0;
    for (char c : name) {
        if (c < '0' || c > '9')
            return -1;
        value = value * 10 + (c - '0');
    }
    return value > 0x7fffffff ? -1 : int(value);
}

bool contains(Vector<int> const& sorted, int value)
{
    for (int element : sorted) {
        if (element == value)
            return true;
    }
    return false;
}

// The first element at or above `minimum` of an ascending list, or -1.
int first_at_or_above(Vector<int> const& sorted, int64_t minimum)
{
    for (int element : sorted) {
        if (element >= minimum)
            return element;
    }
    return -1;
}

bool task_exists(int tid) { return !task_info(tid).is_error(); }

// Text built piece by piece.
class Text {
public:
    ErrorOr<void> append(std::string_view text) { return m_bytes.try_append(text.data(), text.size()); }
    ErrorOr<void> append(std::span<uint8_t const> bytes) { return m_bytes.try_append(reinterpret_cast<char const*>(bytes.data()), bytes.size()); }
    ErrorOr<void> appendf(char const* format, ...) __attribute__((format(printf, 2, 3)))
    {
        char buffer[256];
        va_list arguments;
        va_start(arguments, format);
        va_list again;
        va_copy(again, arguments);
        size_t length = lib::vformat(buffer, sizeof(buffer), format, arguments);
        va_end(arguments);
        ErrorOr<void> result {};
        if (length < sizeof(buffer)) {
            result = append({ buffer, length });
        } else {
            Vector<char> large;
            result = large.try_resize(length + 1);
            if (!result.is_error()) {
                lib::vformat(large.data(), length + 1, format, again);
                result = append({ large.data(), length });
            }
        }
        va_end(again);
        return result;
    }
    Vector<char> take() { return std::move(m_bytes); }

private:
    Vector<char> m_bytes;
};

// The generated contents of one open file, kept for the reads after the first.
class GeneratedText final : public OpenFileState {
public:
    explicit GeneratedText(Vector<char> text)
        : bytes(std::move(text))
    {
    }
    Vector<char> bytes;
};

char const* state_name(char state)
{
    switch (state) {
    case 'R':
        return "R (running)";
    case 'S':
        return "S (sleeping)";
    case 'D':
        return "D (disk sleep)";
    case 'T':
        return "T (stopped)";
    case 't':
        return "t (tracing stop)";
    case 'X':
        return "X (dead)";
    case 'Z':
        return "Z (zombie)";
    case 'P':
        return "P (parked)";
    case 'I':
        return "I (idle)";
    default:
        return "R (running)";
    }
}

constexpr uint64_t user_hz = 100;
constexpr uint64_t page_size = 4096;

ErrorOr<void> generate_stat(Text& text, Id const& id)
{
    auto info = TRY(task_info(id.task()));
    // Fields as proc_pid_stat(5) numbers them; those we do not keep are 0, as Linux shows
    // several of them to other users.
    TRY(text.appendf("%d (%s) %c %d %d %d %d %d %u %lu %lu %lu %lu %lu %lu %ld %ld %ld %ld %d %ld %lu %lu %ld %lu ",
        info.pid, info.name, info.state, info.ppid, info.pgid, info.sid, info.tty_nr, info.tpgid,
        0u /* flags */, 0ul, 0ul, 0ul, 0ul /* faults */,
        info.user_ticks, info.system_ticks, long(info.children_user_ticks), long(info.children_system_ticks),
        20l /* priority */, 0l /* nice */, info.thread_count, 0l /* itrealvalue */,
        info.start_time_ticks, info.virtual_bytes, long(info.resident_bytes / page_size),
        ~0ul /* rsslim: RLIM_INFINITY */));
    // startcode endcode startstack kstkesp kstkeip, then the signal sets (decimal, obsolete
    // but still printed), wchan nswap cnswap, exit_signal processor rt_priority policy
    // delayacct_blkio_ticks guest_time cguest_time, and the seven addresses and exit_code.
    TRY(text.appendf("0 0 0 0 0 %lu %lu %lu %lu 0 0 0 %d 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
        info.pending_signals, info.blocked_signals, info.ignored_signals, info.caught_signals, info.exit_signal));
    return {};
}

ErrorOr<void> generate_status(Text& text, Id const& id)
{
    auto info = TRY(task_info(id.task()));
    uint32_t umask = 022;
    if (auto context = fs_context(id.pid); !context.is_error())
        umask = context.value()->umask();
    TRY(text.appendf("Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
        info.name, umask, state_name(info.state), info.tgid, info.pid, info.ppid));
    TRY(text.appendf("Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t64\nGroups:\t",
        info.uid, info.euid, info.suid, info.fsuid, info.gid, info.egid, info.sgid, info.fsgid));
    // Groups separated by spaces, then the space Linux keeps after them ("Trailing space
    // shouldn't have been added in the first place").
    if (auto groups = supplementary_groups(id.pid); !groups.is_error()) {
        bool first = true;
        for (uint32_t group : groups.value()) {
            TRY(text.appendf(first ? "%u" : " %u", group));
            first = false;
        }
    }
    TRY(text.append(" \n"));
    TRY(text.appendf("NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", info.tgid, info.pid, info.pgid, info.sid));
    if (info.state != 'Z') {
        TRY(text.appendf("VmSize:\t%8lu kB\nVmLck:\t%8lu kB\nVmRSS:\t%8lu kB\nVmSwap:\t%8lu kB\n",
            info.virtual_bytes / 1024, 0ul, info.resident_bytes / 1024, 0ul));
    }
    TRY(text.appendf("Threads:\t%d\nSigQ:\t0/0\nSigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\n",
        info.thread_count, info.pending_signals, 0ul, info.blocked_signals, info.ignored_signals, info.caught_signals));
    // Root (effective user ID 0) has every capability Linux 6.1 knows (41 of them), everyone
    // else none.
    bool root = info.euid == 0;
    uint64_t capabilities = root ? 0x1ffffffffff : 0;
    TRY(text.appendf("CapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\nCapBnd:\t%016lx\nCapAmb:\t%016lx\n",
        0ul, capabilities, capabilities, 0x1fffffffffful, 0ul));
    TRY(text.append("NoNewPrivs:\t0\nSeccomp:\t0\nCpus_allowed:\t1\nCpus_allowed_list:\t0\n"
                    "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n"));
    return {};
}

ErrorOr<void> generate_meminfo(Text& text)
{
    auto memory = memory_info();
    // Linux's show_val_kb(): the label padded to 16 columns, the value to 8, then " kB".
    struct Line {
        char const* label;
        uint64_t bytes;
    };
    Line const lines[] = {
        { "MemTotal:", memory.total_bytes },
        { "MemFree:", memory.free_bytes },
        { "MemAvailable:", memory.available_bytes },
        { "Buffers:", 0 },
        { "Cached:", 0 },
        { "SwapCached:", 0 },
        { "Active:", 0 },
        { "Inactive:", 0 },
        { "SwapTotal:", 0 },
        { "SwapFree:", 0 },
        { "Dirty:", 0 },
        { "Writeback:", 0 },
        { "Shmem:", 0 },
    };
    for (auto const& line : lines)
        TRY(text.appendf("%-16s%8lu kB\n", line.label, line.bytes / 1024));
    return {};
}

ErrorOr<void> generate_uptime(Text& text)
{
    uint64_t centiseconds = plat::monotonic_nanoseconds() / 10'000'000;
    // The second figure is the time all CPUs spent idle, which is not kept.
    return text.appendf("%lu.%02lu 0.00\n", centiseconds / 100, centiseconds % 100);
}

ErrorOr<void> generate_cpuinfo(Text& text)
{
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    __cpuid(0, eax, ebx, ecx, edx);
    unsigned const max_leaf = eax;
    char vendor[13] = {};
    memcpy(vendor, &ebx, 4);
    memcpy(vendor + 4, &edx, 4);
    memcpy(vendor + 8, &ecx, 4);

    __cpuid(1, eax, ebx, ecx, edx);
    unsigned const signature = eax, features_edx = edx, features_ecx = ecx;
    unsigned family = (signature >> 8) & 0xf;
    unsigned model = (signature >> 4) & 0xf;
    if (family == 0xf)
        family += (signature >> 20) & 0xff;
    if (family == 6 || family >= 0xf)
        model += ((signature >> 16) & 0xf) << 4;

    unsigned leaf7_ebx = 0;
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, eax, ebx, ecx, edx);
        leaf7_ebx = ebx;
    }
    __cpuid(0x80000000, eax, ebx, ecx, edx);
    unsigned const max_extended = eax;
    unsigned extended_edx = 0, extended_ecx = 0;
    if (max_extended >= 0x80000001) {
        __cpuid(0x80000001, eax, ebx, ecx, edx);
        extended_edx = edx;
        extended_ecx = ecx;
    }
    char brand[49] = {};
    if (max_extended >= 0x80000004) {
        for (unsigned leaf = 0; leaf < 3; ++leaf) {
            __cpuid(0x80000002 + leaf, eax, ebx, ecx, edx);
            memcpy(brand + 16 * leaf, &eax, 4);
            memcpy(brand + 16 * leaf + 4, &ebx, 4);
            memcpy(brand + 16 * leaf + 8, &ecx, 4);
            memcpy(brand + 16 * leaf + 12, &edx, 4);
        }
    }
    char const* brand_start = brand;
    while (*brand_start == ' ')
        ++brand_start;
    unsigned physical_bits = 36, virtual_bits = 48;
    if (max_extended >= 0x80000008) {
        __cpuid(0x80000008, eax, ebx, ecx, edx);
        physical_bits = eax & 0xff;
        virtual_bits = (eax >> 8) & 0xff;
    }

    TRY(text.appendf("processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\nmodel name\t: %s\nstepping\t: %u\n",
        vendor, family, model, *brand_start ? brand_start : "unknown", signature & 0xf));
    TRY(text.appendf("physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\napicid\t\t: 0\ninitial apicid\t: 0\n"
                     "fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\nflags\t\t:",
        max_leaf));

    // The features a program may test for, as Linux names them. AVX and what needs its
    // register state count only when the kernel enabled that state (OSXSAVE).
    struct Flag {
        char const* name;
        unsigned const* word;
        unsigned bit;
    };
    bool const osxsave = (features_ecx >> 27) & 1;
    unsigned const avx_ecx = osxsave ? features_ecx : 0;
    unsigned const features_ecx_usable = features_ecx;
    unsigned const leaf7_usable = osxsave ? leaf7_ebx : leaf7_ebx & ~(1u << 5);
    Flag const flags[] = {
        { "fpu", &features_edx, 0 }, { "vme", &features_edx, 1 }, { "de", &features_edx, 2 },
        { "pse", &features_edx, 3 }, { "tsc", &features_edx, 4 }, { "msr", &features_edx, 5 },
        { "pae", &features_edx, 6 }, { "mce", &features_edx, 7 }, { "cx8", &features_edx, 8 },
        { "apic", &features_edx, 9 }, { "sep", &features_edx, 11 }, { "mtrr", &features_edx, 12 },
        { "pge", &features_edx, 13 }, { "mca", &features_edx, 14 }, { "cmov", &features_edx, 15 },
        { "pat", &features_edx, 16 }, { "pse36", &features_edx, 17 }, { "clflush", &features_edx, 19 },
        { "mmx", &features_edx, 23 }, { "fxsr", &features_edx, 24 }, { "sse", &features_edx, 25 },
        { "sse2", &features_edx, 26 }, { "ht", &features_edx, 28 }, { "syscall", &extended_edx, 11 },
        { "nx", &extended_edx, 20 }, { "pdpe1gb", &extended_edx, 26 }, { "rdtscp", &extended_edx, 27 },
        { "lm", &extended_edx, 29 }, { "pni", &features_ecx_usable, 0 }, { "pclmulqdq", &features_ecx_usable, 1 },
        { "ssse3", &features_ecx_usable, 9 }, { "fma", &avx_ecx, 12 }, { "cx16", &features_ecx_usable, 13 },
        { "sse4_1", &features_ecx_usable, 19 }, { "sse4_2", &features_ecx_usable, 20 }, { "movbe", &features_ecx_usable, 22 },
        { "popcnt", &features_ecx_usable, 23 }, { "aes", &features_ecx_usable, 25 }, { "xsave", &features_ecx_usable, 26 },
        { "avx", &avx_ecx, 28 }, { "f16c", &avx_ecx, 29 }, { "rdrand", &features_ecx_usable, 30 },
        { "hypervisor", &features_ecx_usable, 31 }, { "lahf_lm", &extended_ecx, 0 }, { "abm", &extended_ecx, 5 },
        { "fsgsbase", &leaf7_usable, 0 }, { "bmi1", &leaf7_usable, 3 }, { "avx2", &leaf7_usable, 5 },
        { "bmi2", &leaf7_usable, 8 }, { "erms", &leaf7_usable, 9 }, { "adx", &leaf7_usable, 19 },
        { "sha_ni", &leaf7_usable, 29 },
    };
    for (auto const& flag : flags) {
        if ((*flag.word >> flag.bit) & 1)
            TRY(text.appendf(" %s", flag.name));
    }
    TRY(text.appendf("\nclflush size\t: 64\ncache_alignment\t: 64\naddress sizes\t: %u bits physical, %u bits virtual\npower management:\n\n",
        physical_bits, virtual_bits));
    return {};
}

ErrorOr<void> generate_mounts(Text& text, MountTable const& mounts)
{
    for (auto const& mount : mounts.entries())
        TRY(text.appendf("%s %s %s %s 0 0\n", mount.source, mount.point, mount.type, mount.options));
    return {};
}

ErrorOr<Vector<char>> generate(Id const& id, ProcFileSystem const& file_system)
{
    Text text;
    switch (id.node) {
    case Node::Meminfo:
        TRY(generate_meminfo(text));
        break;
    case Node::Uptime:
        TRY(generate_uptime(text));
        break;
    case Node::Cpuinfo:
        TRY(generate_cpuinfo(text));
        break;
    case Node::Version: {
        auto system = system_info();
        TRY(text.appendf("Linux version %s (unifork) %s\n", system.release, system.version));
        break;
    }
    case Node::Filesystems:
        TRY(text.append("nodev\trootfs\nnodev\tramfs\nnodev\tproc\n"));
        break;
    case Node::Hostname:
        TRY(text.appendf("%s\n", system_info().host_name));
        break;
    case Node::Ostype:
        TRY(text.append("Linux\n"));
        break;
    case Node::Osrelease:
        TRY(text.appendf("%s\n", system_info().release));
        break;
    case Node::PidMax:
        TRY(text.appendf("%d\n", system_info().pid_max));
        break;
    case Node::Cmdline:
        TRY(text.append(TRY(command_line(id.pid)).span()));
        break;
    case Node::Environ:
        TRY(text.append(TRY(environment(id.pid)).span()));
        break;
    case Node::Stat:
        TRY(generate_stat(text, id));
        break;
    case Node::Status:
        TRY(generate_status(text, id));
        break;
    case Node::Comm:
        TRY(text.appendf("%s\n", TRY(task_info(id.task())).name));
        break;
    case Node::Maps:
        TRY(text.append(TRY(memory_map(id.pid)).view()));
        break;
    case Node::ProcessMounts:
        TRY(generate_mounts(text, file_system.mounts()));
        break;
    default:
        return Error(EINVAL);
    }
    return text.take();
}

// A read-only file whose text is made when a read starts at offset 0.
class ProcFile final : public Inode {
public:
    ProcFile(ProcFileSystem& file_system, Id id, uint32_t mode)
        : Inode(file_system, mode, WithNumber { inode_number_of(id) })
        , m_id(id)
    {
        m_link_count = 1;
    }

    ErrorOr<size_t> read(OpenFileDescription& description, uint64_t offset, IoBuffer& buffer) override
    {
        auto* state = static_cast<GeneratedText*>(description.state());
        if (!state || offset == 0) {
            auto text = TRY(generate(m_id, static_cast<ProcFileSystem&>(file_system())));
            auto* generated = new (std::nothrow) GeneratedText(std::move(text));
            if (!generated)
                return Error(ENOMEM);
            description.set_state(OwnPtr<OpenFileState>(generated));
            state = generated;
        }
        auto const& bytes = state->bytes;
        if (offset >= bytes.size())
            return size_t(0);
        size_t count = bytes.size() - size_t(offset);
        if (count > buffer.size())
            count = buffer.size();
        TRY(buffer.write(0, bytes.data() + offset, count));
        return count;
    }

    // Nothing here is written: opening for writing is EACCES even for root, as Linux's sysctl
    // files without a write bit are (proc_sys_permission()).
    ErrorOr<void> check_access_override(int access) const override
    {
        if (access & W_OK)
            return Error(EACCES);
        return {};
    }

private:
    Id m_id;
};

// A link with the target it had when looked up; fd, cwd, root and exe links also lead straight
// to what they stand for.
class ProcLink final : public Symlink {
public:
    ProcLink(ProcFileSystem& file_system, Id id, String target, RefPtr<Inode> jump, RefPtr<Directory> jump_parent)
        : Symlink(file_system, std::move(target), WithNumber { inode_number_of(id) })
        , m_jump(std::move(jump))
        , m_jump_parent(std::move(jump_parent))
    {
        m_link_count = 1;
    }

    void set_permissions_of_description(OpenFileDescription const& description)
    {
        // Linux's proc_fd_link modes: lr-x for reading, l-wx for writing, lrwx for both.
        uint32_t permissions = 0;
        if (description.is_readable() || description.is_path_only())
            permissions |= 0500;
        if (description.is_writable())
            permissions |= 0300;
        m_mode = S_IFLNK | permissions;
    }

    ErrorOr<RefPtr<Inode>> jump_target(RefPtr<Directory>& parent) const override
    {
        parent = m_jump_parent;
        return m_jump;
    }

private:
    RefPtr<Inode> m_jump;
    RefPtr<Directory> m_jump_parent;
};

class ProcDirectory final : public Directory {
public:
    ProcDirectory(ProcFileSystem& file_system, Id id, uint32_t mode, RefPtr<Directory> parent)
        : Directory(file_system, mode & 07777, WithNumber { inode_number_of(id) })
        , m_id(id)
        , m_parent(std::move(parent))
    {
    }

    void set_mounted_on(Directory& directory) { m_mounted_on = &directory; }

    Directory* parent() override
    {
        if (m_parent)
            return m_parent.ptr();
        return m_mounted_on ? m_mounted_on : this;
    }

    // A process's directories go with it.
    bool is_removed() const override
    {
        switch (m_id.node) {
        case Node::Process:
        case Node::Task:
        case Node::Fd:
            return !task_exists(m_id.pid);
        case Node::Thread:
            return !task_exists(m_id.tid);
        default:
            return false;
        }
    }

    uint32_t link_count() const override
    {
        uint32_t count = 2;
        for (auto const& entry : entries_of(m_id.node))
            count += (entry.mode & S_IFMT) == S_IFDIR ? 1 : 0;
        if (m_id.node == Node::Root) {
            if (auto ids = process_ids(); !ids.is_error())
                count += uint32_t(ids.value().size());
        }
        return count;
    }

    ErrorOr<RefPtr<Inode>> lookup(std::string_view name) override
    {
        for (auto const& entry : entries_of(m_id.node)) {
            if (name == entry.name)
                return make_child(entry.node, entry.mode, m_id.pid, m_id.tid, -1);
        }
        int number = parse_number(name);
        if (number < 0)
            return RefPtr<Inode>();
        switch (m_id.node) {
        case Node::Root:
            // Any task's id is a directory, threads' too, though only processes are listed.
            if (!task_exists(number))
                return RefPtr<Inode>();
            return make_child(Node::Process, directory_mode, number, 0, -1);
        case Node::Task:
            if (!contains(TRY(thread_ids(m_id.pid)), number))
                return RefPtr<Inode>();
            return make_child(Node::Thread, directory_mode, m_id.pid, number, -1);
        case Node::Fd: {
            auto table = TRY(fd_table(m_id.pid));
            if (table->next_open(number) != number)
                return RefPtr<Inode>();
            return make_child(Node::FdLink, link_mode, m_id.pid, m_id.tid, number);
        }
        default:
            return RefPtr<Inode>();
        }
    }

    ErrorOr<bool> entry_at_or_after(uint64_t cookie, DirectoryEntry& entry) override
    {
        auto fixed = entries_of(m_id.node);
        if (cookie < first_entry_cookie)
            cookie = first_entry_cookie;
        uint64_t index = cookie - first_entry_cookie;
        if (index < fixed.size()) {
            auto const& found = fixed[index];
            entry.cookie = cookie;
            entry.inode_number = inode_number_of(Id { found.node, m_id.pid, m_id.tid, -1 });
            entry.type = directory_entry_type_of(found.mode);
            entry.name = found.name;
            return true;
        }
        // Numbered entries follow the fixed ones: the cookie is the number past them, so a
        // listing resumes at the next number however the set changed meanwhile.
        int64_t const minimum = int64_t(index - fixed.size());
        if (minimum > 0x7fffffff)
            return false;
        int number = -1;
        uint32_t mode = directory_mode;
        Id id = m_id;
        switch (m_id.node) {
        case Node::Root:
            number = first_at_or_above(TRY(process_ids()), minimum);
            id = Id { Node::Process, number, 0, -1 };
            break;
        case Node::Task:
            number = first_at_or_above(TRY(thread_ids(m_id.pid)), minimum);
            id = Id { Node::Thread, m_id.pid, number, -1 };
            break;
        case Node::Fd: {
            number = TRY(fd_table(m_id.pid))->next_open(int(minimum));
            mode = link_mode;
            id = Id { Node::FdLink, m_id.pid, m_id.tid, number };
            break;
        }
        default:
            return false;
        }
        if (number < 0)
            return false;
        entry.cookie = first_entry_cookie + fixed.size() + uint64_t(number);
        entry.inode_number = inode_number_of(id);
        entry.type = directory_entry_type_of(mode);
        char digits[16];
        lib::format(digits, sizeof(digits), "%d", number);
        entry.set_generated_name(digits);
        return true;
    }

private:
    ProcFileSystem& proc() { return static_cast<ProcFileSystem&>(file_system()); }

    ErrorOr<RefPtr<Inode>> make_child(Node node, uint32_t mode, int pid, int tid, int fd);
    ErrorOr<RefPtr<Inode>> make_link(Id const& id);
    ErrorOr<RefPtr<Inode>> make_description_link(Id const& id, ErrorOr<RefPtr<OpenFileDescription>> description);

    Id m_id;
    RefPtr<Directory> m_parent;
    Directory* m_mounted_on { nullptr };
};

template<typename T, typename... Arguments>
ErrorOr<RefPtr<Inode>> adopt(Arguments&&... arguments)
{
    auto* pointer = new (std::nothrow) T(std::forward<Arguments>(arguments)...);
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<Inode>(RefPtr<T>::adopt(pointer));
}

ErrorOr<RefPtr<Inode>> ProcDirectory::make_child(Node node, uint32_t mode, int pid, int tid, int fd)
{
    Id const id { node, pid, tid, fd };
    RefPtr<Inode> child;
    switch (mode & S_IFMT) {
    case S_IFDIR:
        child = TRY(adopt<ProcDirectory>(proc(), id, mode, RefPtr<Directory>(*this)));
        break;
    case S_IFLNK:
        child = TRY(make_link(id));
        break;
    default:
        child = TRY(adopt<ProcFile>(proc(), id, mode));
        break;
    }
    // A process's files belong to its owner, as Linux shows them.
    if (pid) {
        if (auto info = task_info(id.task()); !info.is_error())
            child->set_owner(info.value().euid, info.value().egid);
    }
    return child;
}

ErrorOr<RefPtr<Inode>> ProcDirectory::make_description_link(Id const& id, ErrorOr<RefPtr<OpenFileDescription>> found)
{
    if (found.is_error()) {
        // The link is there but leads nowhere: readlink and following it are ENOENT.
        return adopt<ProcLink>(proc(), id, String(), RefPtr<Inode>(), RefPtr<Directory>());
    }
    auto description = found.release_value();
    auto target = TRY(path_of(*description));
    auto link = TRY(adopt<ProcLink>(proc(), id, std::move(target), description->inode_ref(), RefPtr<Directory>(description->parent())));
    if (id.node == Node::FdLink)
        static_cast<ProcLink&>(*link).set_permissions_of_description(*description);
    return link;
}

ErrorOr<RefPtr<Inode>> ProcDirectory::make_link(Id const& id)
{
    char text[48];
    switch (id.node) {
    case Node::Self:
        lib::format(text, sizeof(text), "%d", current_pid());
        return adopt<ProcLink>(proc(), id, TRY(String::try_create(text)), RefPtr<Inode>(), RefPtr<Directory>());
    case Node::ThreadSelf:
        lib::format(text, sizeof(text), "%d/task/%d", current_pid(), current_tid());
        return adopt<ProcLink>(proc(), id, TRY(String::try_create(text)), RefPtr<Inode>(), RefPtr<Directory>());
    case Node::Mounts:
        return adopt<ProcLink>(proc(), id, TRY(String::try_create("self/mounts")), RefPtr<Inode>(), RefPtr<Directory>());
    case Node::Exe:
        return make_description_link(id, executable(id.pid));
    case Node::FdLink: {
        auto table = fd_table(id.pid);
        if (table.is_error())
            return make_description_link(id, table.error());
        return make_description_link(id, table.value()->get(id.fd));
    }
    case Node::Cwd:
    case Node::RootLink: {
        auto context = fs_context(id.pid);
        if (context.is_error())
            return adopt<ProcLink>(proc(), id, String(), RefPtr<Inode>(), RefPtr<Directory>());
        auto& directory = id.node == Node::Cwd ? context.value()->cwd() : context.value()->root();
        auto target = TRY(path_of(directory));
        return adopt<ProcLink>(proc(), id, std::move(target), RefPtr<Inode>(directory), RefPtr<Directory>());
    }
    default:
        return Error(EINVAL);
    }
}

}

ErrorOr<OwnPtr<ProcFileSystem>> ProcFileSystem::create(MountTable const& mounts)
{
    auto* pointer = new (std::nothrow) ProcFileSystem(mounts);
    if (!pointer)
        return Error(ENOMEM);
    OwnPtr<ProcFileSystem> file_system(pointer);
    auto* root = new (std::nothrow) ProcDirectory(*file_system, Id { Node::Root, 0, 0, -1 }, directory_mode, nullptr);
    if (!root)
        return Error(ENOMEM);
    file_system->m_root = RefPtr<Directory>(RefPtr<ProcDirectory>::adopt(root));
    return file_system;
}

ProcFileSystem::~ProcFileSystem() = default;

Directory& ProcFileSystem::root() const { return *m_root; }

ErrorOr<void> ProcFileSystem::mount(RamDirectory& parent, std::string_view name)
{
    TRY(parent.add_entry(name, m_root));
    static_cast<ProcDirectory&>(*m_root).set_mounted_on(parent);
    return {};
}

// What Linux's proc_fill_super() leaves for statfs(2): PROC_SUPER_MAGIC and simple_statfs().
void ProcFileSystem::fill_statfs(LinuxStatfs& statfs) const
{
    FileSystem::fill_statfs(statfs);
    statfs.f_type = int64_t(proc_super_magic);
}

}
