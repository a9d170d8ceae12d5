#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <lib/error_or.h>

namespace binfmt {

// The executable as the loader sees it: a size and positioned reads. The VFS adapts its open
// file to this; tests and in-memory files (ramfs) use MemoryFileReader.
class FileReader {
public:
    virtual uint64_t size() const = 0;
    // Reads up to buffer.size() bytes at `offset`; fewer only at the end of the file. Returns
    // how many were read (0 at or past the end).
    virtual ErrorOr<size_t> read_at(uint64_t offset, std::span<uint8_t> buffer) = 0;

protected:
    // Never deleted through this interface, so no virtual destructor (and no operator delete
    // pulled into the kernel for it).
    ~FileReader() = default;
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
