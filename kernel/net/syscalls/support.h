#pragma once

// Shared by the socket syscall handlers: finding the socket behind a descriptor and moving
// addresses across the user boundary as Linux's move_addr_to_kernel() and move_addr_to_user()
// do.

#include <algorithm>

#include <fs/fd_table.h>
#include <fs/fs_context.h>
#include <lib/user_memory.h>
#include <net/unix_socket.h>
#include <syscall/syscall.h>

namespace net::syscalls {

// sizeof(struct sockaddr_storage): the longest address an application may hand in.
constexpr size_t address_storage_size = 128;

struct SocketHandle {
    RefPtr<fs::OpenFileDescription> description;
    UnixSocket* socket;
};

// EBADF for a closed descriptor (O_PATH ones included, as sockfd_lookup() refuses them),
// ENOTSOCK for one that is not a socket.
inline ErrorOr<SocketHandle> socket_for(int fd)
{
    auto description = TRY(fs::current_fd_table().get(fd));
    if (description->is_path_only())
        return Error(EBADF);
    auto* socket = UnixSocket::from(description->inode());
    if (!socket)
        return Error(ENOTSOCK);
    return SocketHandle { std::move(description), socket };
}

// An address as the application gave it: EINVAL past sockaddr_storage, EFAULT when unreadable.
struct RawAddress {
    uint8_t bytes[address_storage_size] {};
    size_t length { 0 };
    uint16_t family() const { return uint16_t(bytes[0] | (bytes[1] << 8)); }
};

inline ErrorOr<RawAddress> copy_address_from_user(uintptr_t address, uint64_t length)
{
    RawAddress raw;
    if (int(length) < 0 || length > address_storage_size)
        return Error(EINVAL);
    raw.length = length;
    if (length)
        TRY(copy_from_user(raw.bytes, address, length));
    return raw;
}

// move_addr_to_user(): the length the application allows is read (EINVAL when negative), as
// much of the address as fits is copied, and the full length is written back. Nothing is
// touched when `address` is null.
inline ErrorOr<void> copy_address_to_user(uint8_t const* bytes, size_t length, uintptr_t address, uintptr_t length_address)
{
    if (!address)
        return {};
    int allowed = TRY(UserPtr<int>(length_address).read());
    if (allowed < 0)
        return Error(EINVAL);
    size_t copied = std::min(size_t(allowed), length);
    if (copied)
        TRY(copy_to_user(address, bytes, copied));
    return UserPtr<int>(length_address).write(int(length));
}

// A socket's name (or its peer's): sockaddr_un with the family alone when unbound.
inline ErrorOr<void> copy_name_to_user(UnixAddress const& name, uintptr_t address, uintptr_t length_address)
{
    uint8_t bytes[unix_address_size + 1] {};
    name.to_sockaddr(bytes);
    return copy_address_to_user(bytes, name.length(), address, length_address);
}

}
