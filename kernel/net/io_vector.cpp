#include <algorithm>

#include <net/io_vector.h>

namespace net {

ErrorOr<void> IoVector::read(size_t offset, void* destination, size_t length) const
{
    auto* bytes = static_cast<uint8_t*>(destination);
    for (auto const& buffer : m_buffers) {
        if (!length)
            break;
        if (offset >= buffer.size()) {
            offset -= buffer.size();
            continue;
        }
        size_t piece = std::min(length, buffer.size() - offset);
        TRY(buffer.read(offset, bytes, piece));
        bytes += piece;
        length -= piece;
        offset = 0;
    }
    return {};
}

ErrorOr<void> IoVector::write(size_t offset, void const* source, size_t length)
{
    auto const* bytes = static_cast<uint8_t const*>(source);
    for (auto& buffer : m_buffers) {
        if (!length)
            break;
        if (offset >= buffer.size()) {
            offset -= buffer.size();
            continue;
        }
        size_t piece = std::min(length, buffer.size() - offset);
        TRY(buffer.write(offset, bytes, piece));
        bytes += piece;
        length -= piece;
        offset = 0;
    }
    return {};
}

}
