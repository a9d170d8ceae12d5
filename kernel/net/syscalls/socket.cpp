// socket(2), socketpair(2), bind(2), listen(2), accept(2), accept4(2), connect(2),
// getsockname(2), getpeername(2), shutdown(2): AF_UNIX only.
#include "support.h"

namespace net::syscalls {

// __sys_socket() and unix_create(), in Linux's order: flags beside the type (EINVAL), a
// family out of range (EAFNOSUPPORT), a type out of range (EINVAL), a family that is not
// AF_UNIX (EAFNOSUPPORT: no other is provided), a protocol other than 0 or PF_UNIX
// (EPROTONOSUPPORT), a type AF_UNIX lacks (ESOCKTNOSUPPORT). SOCK_RAW is taken as SOCK_DGRAM,
// as Linux does ("Believe it or not BSD has AF_UNIX, SOCK_RAW though nothing uses it").
static ErrorOr<int> checked_type(int family, int type, int protocol)
{
    if ((type & ~sock_type_mask) & ~(sock_nonblock | sock_cloexec))
        return Error(EINVAL);
    if (family < 0 || family >= family_count)
        return Error(EAFNOSUPPORT);
    int kind = type & sock_type_mask;
    if (kind >= sock_type_count)
        return Error(EINVAL);
    if (family != af_unix)
        return Error(EAFNOSUPPORT);
    if (protocol != 0 && protocol != af_unix)
        return Error(EPROTONOSUPPORT);
    switch (kind) {
    case sock_stream:
    case sock_dgram:
    case sock_seqpacket:
        return kind;
    case sock_raw:
        return sock_dgram;
    default:
        return Error(ESOCKTNOSUPPORT);
    }
}

static ErrorOr<int> install(RefPtr<UnixSocket> socket, int flags)
{
    auto& table = fs::current_fd_table();
    TRY(table.check_can_allocate());
    auto description = TRY(UnixSocket::open(std::move(socket), flags & sock_nonblock));
    return table.allocate(std::move(description), flags & sock_cloexec);
}

static ErrorOr<long> make_socket(int family, int type, int protocol)
{
    int kind = TRY(checked_type(family, type, protocol));
    auto socket = TRY(UnixSocket::create(kind));
    return TRY(install(std::move(socket), type));
}

// socketpair(2): both descriptors are made before the array is written; a bad array closes
// them again (EFAULT).
static ErrorOr<long> make_socket_pair(int family, int type, int protocol, uintptr_t fds_address)
{
    int kind = TRY(checked_type(family, type, protocol));
    auto pair = TRY(UnixSocket::create_pair(kind));
    auto& table = fs::current_fd_table();
    int first = TRY(install(std::move(pair.first), type));
    auto second = install(std::move(pair.second), type);
    if (second.is_error()) {
        (void)table.close(first);
        return second.release_error();
    }
    int fds[2] = { first, second.value() };
    if (auto copied = copy_to_user(fds_address, fds, sizeof(fds)); copied.is_error()) {
        (void)table.close(first);
        (void)table.close(second.value());
        return copied.release_error();
    }
    return 0;
}

// unix_bind(): the family alone (a length of 2) asks for an automatic abstract name.
static ErrorOr<long> bind_socket(int fd, uintptr_t address, uint64_t length)
{
    auto handle = TRY(socket_for(fd));
    auto raw = TRY(copy_address_from_user(address, length));
    if (raw.length == unix_path_offset && raw.family() == af_unix) {
        TRY(handle.socket->autobind());
        return 0;
    }
    auto name = TRY(UnixAddress::from_sockaddr(raw.bytes, raw.length));
    TRY(handle.socket->bind(fs::current_fs_context(), name));
    return 0;
}

static ErrorOr<long> listen_socket(int fd, int backlog)
{
    auto handle = TRY(socket_for(fd));
    TRY(handle.socket->listen(backlog));
    return 0;
}

// accept4(2): "EINVAL (accept4()) invalid value in flags". The peer's name is written before
// the descriptor exists; a bad address loses the connection (EFAULT), as on Linux.
static ErrorOr<long> accept_connection(int fd, uintptr_t address, uintptr_t length_address, int flags)
{
    if (flags & ~(sock_nonblock | sock_cloexec))
        return Error(EINVAL);
    auto handle = TRY(socket_for(fd));
    auto& table = fs::current_fd_table();
    TRY(table.check_can_allocate());
    auto connection = TRY(handle.socket->accept(handle.description->is_nonblocking()));
    if (address) {
        UnixAddress peer_name;
        if (auto* peer = connection->peer())
            peer_name = peer->address();
        TRY(copy_name_to_user(peer_name, address, length_address));
    }
    auto description = TRY(UnixSocket::open(std::move(connection), flags & sock_nonblock));
    return TRY(table.allocate(std::move(description), flags & sock_cloexec));
}

// unix_stream_connect() and unix_dgram_connect(): a datagram socket given AF_UNSPEC forgets
// its peer.
static ErrorOr<long> connect_socket(int fd, uintptr_t address, uint64_t length)
{
    auto handle = TRY(socket_for(fd));
    auto raw = TRY(copy_address_from_user(address, length));
    auto& socket = *handle.socket;
    if (socket.socket_type() == sock_dgram && raw.length >= 2 && raw.family() == af_unspec) {
        socket.disconnect();
        return 0;
    }
    auto name = TRY(UnixAddress::from_sockaddr(raw.bytes, raw.length));
    auto target = TRY(UnixSocket::find(fs::current_fs_context(), name, socket.socket_type()));
    TRY(socket.connect(std::move(target), handle.description->is_nonblocking()));
    return 0;
}

static ErrorOr<long> socket_name(int fd, uintptr_t address, uintptr_t length_address)
{
    auto handle = TRY(socket_for(fd));
    TRY(copy_name_to_user(handle.socket->address(), address, length_address));
    return 0;
}

// unix_getname() for the peer: ENOTCONN without one (a stream's peer that closed still counts).
static ErrorOr<long> peer_name(int fd, uintptr_t address, uintptr_t length_address)
{
    auto handle = TRY(socket_for(fd));
    auto* peer = handle.socket->peer();
    if (!peer || handle.socket->state() != UnixSocket::State::Connected)
        return Error(ENOTCONN);
    TRY(copy_name_to_user(peer->address(), address, length_address));
    return 0;
}

static ErrorOr<long> shutdown_socket(int fd, int how)
{
    auto handle = TRY(socket_for(fd));
    TRY(handle.socket->shutdown(how));
    return 0;
}

}

using namespace net::syscalls;

SYSCALL_HANDLER(socket) { return make_socket(args.as_int(0), args.as_int(1), args.as_int(2)); }
SYSCALL_HANDLER(socketpair) { return make_socket_pair(args.as_int(0), args.as_int(1), args.as_int(2), args[3]); }
SYSCALL_HANDLER(bind) { return bind_socket(args.as_int(0), args[1], uint32_t(args[2])); }
SYSCALL_HANDLER(listen) { return listen_socket(args.as_int(0), args.as_int(1)); }
SYSCALL_HANDLER(accept) { return accept_connection(args.as_int(0), args[1], args[2], 0); }
SYSCALL_HANDLER(accept4) { return accept_connection(args.as_int(0), args[1], args[2], args.as_int(3)); }
SYSCALL_HANDLER(connect) { return connect_socket(args.as_int(0), args[1], uint32_t(args[2])); }
SYSCALL_HANDLER(getsockname) { return socket_name(args.as_int(0), args[1], args[2]); }
SYSCALL_HANDLER(getpeername) { return peer_name(args.as_int(0), args[1], args[2]); }
SYSCALL_HANDLER(shutdown) { return shutdown_socket(args.as_int(0), args.as_int(1)); }
