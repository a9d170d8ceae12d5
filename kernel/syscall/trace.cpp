#include <cstdarg>
#include <cstring>

#include <lib/format.h>
#include <lib/user_memory.h>
#include <plat/console.h>
#include <syscall/trace.h>

namespace syscall {

namespace {

// How each argument is shown, one letter per argument:
//   d int   u unsigned   x hex   p pointer   f fd   D dirfd   s path string
//   i input buffer (length in the next argument)   o output buffer (length = result)
//   O open flags   m octal mode   P mmap prot   M mmap flags   S signal   -  not shown
struct Signature {
    Number number;
    char const* arguments;
};

constexpr Signature s_signatures[] = {
    { Number::read, "fou" }, { Number::write, "fiu" }, { Number::open, "sOm" }, { Number::close, "f" },
    { Number::stat, "sp" }, { Number::fstat, "fp" }, { Number::lstat, "sp" }, { Number::poll, "pud" },
    { Number::lseek, "fdd" }, { Number::mmap, "puPMfx" }, { Number::mprotect, "puP" }, { Number::munmap, "pu" },
    { Number::brk, "p" }, { Number::rt_sigaction, "Sppu" }, { Number::rt_sigprocmask, "dppu" },
    { Number::ioctl, "fxp" }, { Number::pread64, "foud" }, { Number::pwrite64, "fiud" }, { Number::readv, "fpd" },
    { Number::writev, "fpd" }, { Number::access, "sd" }, { Number::pipe, "p" }, { Number::sched_yield, "" },
    { Number::mremap, "puuxp" }, { Number::madvise, "pud" }, { Number::dup, "f" }, { Number::dup2, "ff" },
    { Number::nanosleep, "pp" }, { Number::getpid, "" }, { Number::exit, "d" }, { Number::uname, "p" },
    { Number::fcntl, "fdx" }, { Number::fsync, "f" }, { Number::ftruncate, "fd" }, { Number::getdents64, "fpu" },
    { Number::getcwd, "pu" }, { Number::chdir, "s" }, { Number::rename, "ss" }, { Number::mkdir, "sm" },
    { Number::rmdir, "s" }, { Number::unlink, "s" }, { Number::readlink, "spu" }, { Number::umask, "m" },
    { Number::gettimeofday, "pp" }, { Number::getrlimit, "dp" }, { Number::getuid, "" }, { Number::getgid, "" },
    { Number::geteuid, "" }, { Number::getegid, "" }, { Number::getppid, "" }, { Number::arch_prctl, "xp" },
    { Number::gettid, "" }, { Number::time, "p" }, { Number::set_tid_address, "p" }, { Number::clock_gettime, "dp" },
    { Number::clock_nanosleep, "ddpp" }, { Number::exit_group, "d" }, { Number::openat, "DsOm" },
    { Number::mkdirat, "Dsm" }, { Number::newfstatat, "Dspx" }, { Number::unlinkat, "Dsx" },
    { Number::renameat, "DsDs" }, { Number::readlinkat, "Dspu" }, { Number::faccessat, "Dsd" },
    { Number::set_robust_list, "pu" }, { Number::dup3, "ffx" }, { Number::pipe2, "px" },
    { Number::prlimit64, "ddpp" }, { Number::getrandom, "pux" }, { Number::statx, "Dsxxp" },
    { Number::faccessat2, "Dsdx" }, { Number::execve, "spp" }, { Number::kill, "dS" },
    { Number::rseq, "puxx" }, { Number::sysinfo, "p" }, { Number::sched_getaffinity, "dup" },
};

struct ErrnoName {
    int number;
    char const* name;
};
constexpr ErrnoName s_errno_names[] = {
    { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" }, { EINTR, "EINTR" }, { EIO, "EIO" },
    { ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { ENOEXEC, "ENOEXEC" }, { EBADF, "EBADF" }, { ECHILD, "ECHILD" },
    { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
    { EEXIST, "EEXIST" }, { EXDEV, "EXDEV" }, { ENODEV, "ENODEV" }, { ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" },
    { EINVAL, "EINVAL" }, { ENFILE, "ENFILE" }, { EMFILE, "EMFILE" }, { ENOTTY, "ENOTTY" }, { EFBIG, "EFBIG" },
    { ENOSPC, "ENOSPC" }, { ESPIPE, "ESPIPE" }, { EROFS, "EROFS" }, { EMLINK, "EMLINK" }, { EPIPE, "EPIPE" },
    { ERANGE, "ERANGE" }, { ENAMETOOLONG, "ENAMETOOLONG" }, { ENOSYS, "ENOSYS" }, { ENOTEMPTY, "ENOTEMPTY" },
    { ELOOP, "ELOOP" }, { EOVERFLOW, "EOVERFLOW" }, { ENOTSOCK, "ENOTSOCK" }, { EOPNOTSUPP, "EOPNOTSUPP" },
    { ETIMEDOUT, "ETIMEDOUT" },
};

class Line {
public:
    void append(char const* format, ...) __attribute__((format(printf, 2, 3)))
    {
        if (m_length >= sizeof(m_buffer) - 1)
            return;
        va_list arguments;
        va_start(arguments, format);
        size_t written = lib::vformat(m_buffer + m_length, sizeof(m_buffer) - m_length, format, arguments);
        va_end(arguments);
        m_length += written;
        if (m_length > sizeof(m_buffer) - 1)
            m_length = sizeof(m_buffer) - 1;
    }
    void append_quoted(uint64_t address, size_t length, size_t limit = 32)
    {
        char bytes[32];
        size_t shown = length < limit ? length : limit;
        if (copy_from_user(bytes, address, shown).is_error()) {
            append("%#lx", address);
            return;
        }
        append("\"");
        for (size_t i = 0; i < shown; ++i) {
            unsigned char c = static_cast<unsigned char>(bytes[i]);
            if (c == '\n')
                append("\\n");
            else if (c == '\t')
                append("\\t");
            else if (c == '"' || c == '\\')
                append("\\%c", c);
            else if (c < 32 || c >= 127)
                append("\\%o", c);
            else
                append("%c", c);
        }
        append(length > shown ? "\"..." : "\"");
    }
    void append_string(uint64_t address)
    {
        if (!address) {
            append("NULL");
            return;
        }
        auto length = lib::user_string_length(address, 4096);
        if (length.is_error()) {
            append("%#lx", address);
            return;
        }
        append_quoted(address, length.value(), 256);
    }
    void finish()
    {
        append("\n");
        diagnostic_bytes(m_buffer, m_length);
    }

private:
    char m_buffer[768];
    size_t m_length { 0 };
};

void append_open_flags(Line& line, uint64_t flags)
{
    static constexpr struct {
        uint64_t bit;
        char const* name;
    } names[] = {
        { 0100, "O_CREAT" }, { 0200, "O_EXCL" }, { 0400, "O_NOCTTY" }, { 01000, "O_TRUNC" }, { 02000, "O_APPEND" },
        { 04000, "O_NONBLOCK" }, { 0200000, "O_DIRECTORY" }, { 0400000, "O_NOFOLLOW" }, { 02000000, "O_CLOEXEC" },
        { 010000000, "O_PATH" }, { 040000, "O_DIRECT" }, { 01000000, "O_NOATIME" }, { 04010000, "O_SYNC" },
    };
    char const* access[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
    line.append("%s", access[flags & 3]);
    uint64_t rest = flags & ~uint64_t(3);
    for (auto const& name : names) {
        if ((rest & name.bit) == name.bit) {
            line.append("|%s", name.name);
            rest &= ~name.bit;
        }
    }
    if (rest)
        line.append("|%#lo", rest);
}

void append_prot(Line& line, uint64_t prot)
{
    if (!prot) {
        line.append("PROT_NONE");
        return;
    }
    char const* separator = "";
    if (prot & 1) {
        line.append("PROT_READ");
        separator = "|";
    }
    if (prot & 2) {
        line.append("%sPROT_WRITE", separator);
        separator = "|";
    }
    if (prot & 4)
        line.append("%sPROT_EXEC", separator);
    if (prot & ~uint64_t(7))
        line.append("|%#lx", prot & ~uint64_t(7));
}

void append_mmap_flags(Line& line, uint64_t flags)
{
    static constexpr struct {
        uint64_t bit;
        char const* name;
    } names[] = {
        { 0x10, "MAP_FIXED" }, { 0x20, "MAP_ANONYMOUS" }, { 0x100, "MAP_GROWSDOWN" }, { 0x800, "MAP_DENYWRITE" },
        { 0x4000, "MAP_NORESERVE" }, { 0x8000, "MAP_POPULATE" }, { 0x20000, "MAP_STACK" }, { 0x100000, "MAP_FIXED_NOREPLACE" },
    };
    uint64_t type = flags & 0xf;
    line.append("%s", type == 1 ? "MAP_SHARED" : type == 2 ? "MAP_PRIVATE" : type == 3 ? "MAP_SHARED_VALIDATE" : "0");
    uint64_t rest = flags & ~uint64_t(0xf);
    for (auto const& name : names) {
        if (rest & name.bit) {
            line.append("|%s", name.name);
            rest &= ~name.bit;
        }
    }
    if (rest)
        line.append("|%#lx", rest);
}

char const* signature_of(int number)
{
    for (auto const& signature : s_signatures)
        if (int(signature.number) == number)
            return signature.arguments;
    return nullptr;
}

void append_arguments(Line& line, int number, Arguments const& arguments, long result, bool have_result)
{
    char const* signature = signature_of(number);
    if (!signature)
        signature = "xxxxxx";
    for (int i = 0; signature[i] && i < 6; ++i) {
        if (i)
            line.append(", ");
        uint64_t value = arguments[i];
        switch (signature[i]) {
        case 'd':
            line.append("%ld", long(value));
            break;
        case 'u':
            line.append("%lu", value);
            break;
        case 'f':
            line.append("%d", int(value));
            break;
        case 'D':
            if (int(value) == -100)
                line.append("AT_FDCWD");
            else
                line.append("%d", int(value));
            break;
        case 'p':
            if (value)
                line.append("%#lx", value);
            else
                line.append("NULL");
            break;
        case 's':
            line.append_string(value);
            break;
        case 'i':
            line.append_quoted(value, arguments[i + 1]);
            break;
        case 'o':
            if (have_result && result >= 0)
                line.append_quoted(value, size_t(result));
            else
                line.append("%#lx", value);
            break;
        case 'O':
            append_open_flags(line, value);
            break;
        case 'm':
            line.append("%#lo", value);
            break;
        case 'P':
            append_prot(line, value);
            break;
        case 'M':
            append_mmap_flags(line, value);
            break;
        case 'S':
            line.append("%d", int(value));
            break;
        default:
            line.append("%#lx", value);
            break;
        }
    }
}

}

void set_trace_enabled(bool enabled) { detail::tracing = enabled; }

void diagnostic(char const* text) { plat::console_write(plat::ConsoleStream::Error, text, strlen(text)); }
void diagnostic_bytes(char const* bytes, size_t length) { plat::console_write(plat::ConsoleStream::Error, bytes, length); }

void trace_before(int number, Arguments const& arguments)
{
    // Calls that do not return show up before they run, as strace shows them.
    if (number != int(Number::exit) && number != int(Number::exit_group) && number != int(Number::execve))
        return;
    Line line;
    char const* name = name_of(number);
    line.append("%s(", name ? name : "unknown");
    append_arguments(line, number, arguments, 0, false);
    line.append(number == int(Number::execve) ? ") ..." : ") = ?");
    line.finish();
}

void trace_call(int number, Arguments const& arguments, long result)
{
    Line line;
    char const* name = name_of(number);
    if (name)
        line.append("%s(", name);
    else
        line.append("syscall_%d(", number);
    append_arguments(line, number, arguments, result, true);
    if (result < 0 && result >= -4095) {
        char const* errno_name = "E?";
        for (auto const& entry : s_errno_names)
            if (entry.number == -result)
                errno_name = entry.name;
        line.append(") = -1 %s (%ld)", errno_name, -result);
    } else if (number == int(Number::mmap) || number == int(Number::brk) || number == int(Number::mremap)) {
        line.append(") = %#lx", result);
    } else {
        line.append(") = %ld", result);
    }
    line.finish();
}

}
