// getsockopt(2), setsockopt(2): the SOL_SOCKET options an AF_UNIX socket has.
#include <fs/permissions.h>

#include "support.h"

namespace net::syscalls {

// sk_getsockopt(): a negative length is EINVAL; the value is cut to the length given, and the
// length written back is what was copied. Options Linux has at other levels are EOPNOTSUPP
// for AF_UNIX (it has no protocol options); unknown ones ENOPROTOOPT.
static ErrorOr<long> get_option(int fd, int level, int name, uintptr_t value_address, uintptr_t length_address)
{
    auto handle = TRY(socket_for(fd));
    auto& socket = *handle.socket;
    int length = TRY(UserPtr<int>(length_address).read());
    if (length < 0)
        return Error(EINVAL);
    if (level != sol_socket)
        return Error(EOPNOTSUPP);
    int value = 0;
    switch (name) {
    case so_type:
        value = socket.socket_type();
        break;
    case so_domain:
        value = af_unix;
        break;
    case so_protocol:
        value = 0;
        break;
    case so_error:
        value = socket.take_error();
        break;
    case so_sndbuf:
        value = int(socket.send_buffer_size());
        break;
    case so_rcvbuf:
        value = int(socket.receive_buffer_size());
        break;
    case so_acceptconn:
        value = socket.state() == UnixSocket::State::Listening;
        break;
    case so_reuseaddr:
        value = socket.reuses_address();
        break;
    case so_passcred:
        value = socket.passes_credentials();
        break;
    case so_peercred: {
        auto credentials = socket.peer_credentials();
        size_t copied = std::min(size_t(length), sizeof(credentials));
        TRY(copy_to_user(value_address, &credentials, copied));
        TRY(UserPtr<int>(length_address).write(int(copied)));
        return 0;
    }
    default:
        return Error(ENOPROTOOPT);
    }
    size_t copied = std::min(size_t(length), sizeof(value));
    TRY(copy_to_user(value_address, &value, copied));
    TRY(UserPtr<int>(length_address).write(int(copied)));
    return 0;
}

// sk_setsockopt(): an int option shorter than an int is EINVAL; read-only ones (SO_TYPE,
// SO_PEERCRED ...) are ENOPROTOOPT, as Linux answers for them.
static ErrorOr<long> set_option(int fd, int level, int name, uintptr_t value_address, uint64_t length)
{
    auto handle = TRY(socket_for(fd));
    auto& socket = *handle.socket;
    if (level != sol_socket)
        return Error(EOPNOTSUPP);
    if (int(length) < int(sizeof(int)))
        return Error(EINVAL);
    int value = TRY(UserPtr<int>(value_address).read());
    bool privileged = true;
    if (auto const* credentials = fs::current_credentials())
        privileged = credentials->is_privileged();
    switch (name) {
    case so_sndbuf:
    case so_sndbufforce:
        if (name == so_sndbufforce && !privileged)
            return Error(EPERM);
        socket.set_send_buffer_size(uint32_t(value), name == so_sndbufforce);
        return 0;
    case so_rcvbuf:
    case so_rcvbufforce:
        if (name == so_rcvbufforce && !privileged)
            return Error(EPERM);
        socket.set_receive_buffer_size(uint32_t(value), name == so_rcvbufforce);
        return 0;
    case so_reuseaddr:
        socket.set_reuses_address(value != 0);
        return 0;
    case so_passcred:
        socket.set_passes_credentials(value != 0);
        return 0;
    default:
        return Error(ENOPROTOOPT);
    }
}

}

using namespace net::syscalls;

SYSCALL_HANDLER(getsockopt) { return get_option(args.as_int(0), args.as_int(1), args.as_int(2), args[3], args[4]); }
SYSCALL_HANDLER(setsockopt) { return set_option(args.as_int(0), args.as_int(1), args.as_int(2), args[3], uint32_t(args[4])); }
