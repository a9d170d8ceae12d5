#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <lib/error_or.h>
#include <lib/own_ptr.h>

namespace binfmt {

// The executable as the loader sees it: a size and positioned reads. The VFS adapts its open
// file to this; tests and in-memory files (ramfs) use MemoryFileReader.
class FileReader {
public:
    // A FileOpener hands its files out as OwnPtr<FileReader>, so they are deleted through this
    // interface.
    virtual ~FileReader() = default;

    virtual uint64_t size() const = 0;
    // Reads up to buffer.size() bytes at `offset`; fewer only at the end of the file. Returns
    // how many were read (0 at or past the end).
    virtual ErrorOr<size_t> read_at(uint64_t offset, std::span<uint8_t> buffer) = 0;
    // The physical frame that holds the file's page at `offset` (page-aligned), with a
    // reference taken for the caller, where the file system keeps file data in frames that can
    // be mapped (ramfs); ENODEV elsewhere.
    virtual ErrorOr<uint64_t> shared_frame(uint64_t) { return Error(ENODEV); }
};

// How a format handler reaches a file other than the one being executed: the interpreter a #!
// line names. The exec path implements it over the VFS with execve(2)'s rules for the file it
// was given (README.md, "Implementing FileOpener"):
//   - `path` is resolved like execve's own: absolute, or relative to the calling process's
//     working directory; every symlink is followed, the last component's too. Lookup errors
//     come back as they are (ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG).
//   - the file must be a regular file with at least one execute bit, else EACCES (Linux's
//     may_open() with MAY_EXEC and do_open_execat(); a directory is EACCES too);
//   - the reader stays valid until it is deleted, whatever happens to the name meanwhile.
class FileOpener {
public:
    virtual ErrorOr<OwnPtr<FileReader>> open(std::string_view path) = 0;

protected:
    ~FileOpener() = default;
};

// Reads exactly buffer.size() bytes at `offset`. The caller has checked the range against
// size(); a short read means the file changed underneath us, reported as EIO.
ErrorOr<void> read_exact(FileReader& file, uint64_t offset, std::span<uint8_t> buffer);

// A file whose bytes are already in memory.
class MemoryFileReader final : public FileReader {
public:
    explicit MemoryFileReader(std::span<uint8_t const> bytes)
        : m_bytes(bytes)
    {
    }
    uint64_t size() const override { return m_bytes.size(); }
    ErrorOr<size_t> read_at(uint64_t offset, std::span<uint8_t> buffer) override;

private:
    std::span<uint8_t const> m_bytes;
};

}
