#include <cstring>

#include <fs/io_buffer.h>
#include <lib/assert.h>
#include <lib/user_memory.h>

namespace fs {

ErrorOr<void> IoBuffer::write(size_t offset, void const* source, size_t length)
{
    VERIFY(offset <= m_size && length <= m_size - offset);
    if (m_is_user)
        return copy_to_user(m_address + offset, source, length);
    memcpy(reinterpret_cast<void*>(m_address + offset), source, length);
    return {};
}

ErrorOr<void> IoBuffer::read(size_t offset, void* destination, size_t length) const
{
    VERIFY(offset <= m_size && length <= m_size - offset);
    if (m_is_user)
        return copy_from_user(destination, m_address + offset, length);
    memcpy(destination, reinterpret_cast<void const*>(m_address + offset), length);
    return {};
}

ErrorOr<void> IoBuffer::fill_zero(size_t offset, size_t length)
{
    VERIFY(offset <= m_size && length <= m_size - offset);
    if (m_is_user)
        return lib::clear_user(m_address + offset, length);
    memset(reinterpret_cast<void*>(m_address + offset), 0, length);
    return {};
}

}
