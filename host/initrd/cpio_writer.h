#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

namespace unifork::initrd {

class CpioError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Writes a "newc" (magic 070701) cpio archive, the format Linux's initramfs and our kernel's
// unpacker read. Entry names are stored relative to the archive root ("bin/sh", never "/bin/sh"
// or "./bin/sh"), and every directory is written before anything inside it, so an unpacker can
// create entries in one pass. A file added at a deep path gets its missing parent directories
// (mode 0755) first. Owners are always root: the guest has one user.
class CpioWriter {
public:
    // Directories created implicitly carry `implicit_mtime`.
    explicit CpioWriter(std::ostream& output, std::int64_t implicit_mtime = 0);

    // Adding a directory that is already in the archive does nothing: its first entry stands.
    void add_directory(std::string_view path, std::uint32_t permissions, std::int64_t mtime);
    void add_file(std::string_view path, std::uint32_t permissions, std::int64_t mtime, std::string_view contents);
    // Streams `size` bytes from `contents`; fewer bytes than promised is an error, since the
    // header already went out.
    void add_file(std::string_view path, std::uint32_t permissions, std::int64_t mtime, std::istream& contents, std::uint64_t size);
    void add_symlink(std::string_view path, std::string_view target, std::int64_t mtime);

    // Writes the "TRAILER!!!" entry. Nothing may be added afterwards.
    void finish();

    std::uint64_t bytes_written() const { return m_offset; }

    // "/a//b/./c/" -> "a/b/c". Rejects the root itself, ".." and NUL bytes, which have no place
    // in an archive we build.
    static std::string normalize_path(std::string_view path);

    static constexpr std::size_t header_size = 110;

private:
    void begin_entry(std::string const& name, std::uint32_t mode, std::uint32_t nlink, std::int64_t mtime, std::uint64_t size);
    void check_can_add(std::string const& name);
    void ensure_parents(std::string const& name);
    void write(std::string_view bytes);
    void pad_to_four();

    std::ostream& m_output;
    std::int64_t m_implicit_mtime;
    std::uint64_t m_offset { 0 };
    std::uint32_t m_next_inode { 1 };
    std::set<std::string, std::less<>> m_directories;
    std::set<std::string, std::less<>> m_other_entries;
    bool m_finished { false };
};

}
