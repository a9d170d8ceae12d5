#include <cstring>

#include <binfmt/file_reader.h>

namespace binfmt {

ErrorOr<void> read_exact(FileReader& file, uint64_t offset, std::span<uint8_t> buffer)
{
    size_t done = 0;
    while (done < buffer.size()) {
        size_t count = TRY(file.read_at(offset + done, buffer.subspan(done)));
        if (count == 0 || count > buffer.size() - done)
            return Error(EIO);
        done += count;
    }
    return {};
}

ErrorOr<size_t> MemoryFileReader::read_at(uint64_t offset, std::span<uint8_t> buffer)
{
    if (offset >= m_bytes.size())
        return size_t(0);
    size_t available = m_bytes.size() - offset;
    size_t count = buffer.size() < available ? buffer.size() : available;
    if (count)
        memcpy(buffer.data(), m_bytes.data() + offset, count);
    return count;
}

}
