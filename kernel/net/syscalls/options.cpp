// getsockopt(2), setsockopt(2): the SOL_SOCKET options an AF_UNIX socket has.
#include <cstring>

#include <fs/permissions.h>

#include "support.h"

namespace net::syscalls {

namespace {

// Root holds every capability (CAP_NET_ADMIN, CAP_NET_RAW) here.
bool is_privileged()
{
    auto const* credentials = fs::current_credentials();
    return !credentials || credentials->is_privileged();
}

// IFNAMSIZ.
constexpr int interface_name_size = 16;
// SOCK_SNDBUF_LOCK | SOCK_RCVBUF_LOCK.
constexpr unsigned buffer_lock_mask = 3;

// sock_get_timeout(): no timeout reads as 0.0; ticks are turned back into microseconds,
// rounded down.
LinuxTimeval timeout_to_timeval(uint64_t ticks)
{
    if (ticks == no_timeout)
        return { 0, 0 };
    return { int64_t(ticks / ticks_per_second), int64_t((ticks % ticks_per_second) * 1'000'000 / ticks_per_second) };
}

// sock_set_timeout(): "EDOM" for microseconds outside a second; a negative time is 0 ticks (the
// socket then never waits); 0.0 and times past what ticks hold wait for ever; the rest is
// rounded up to a tick.
ErrorOr<uint64_t> timeval_to_timeout(uintptr_t value_address, uint64_t length)
{
    if (length < sizeof(LinuxTimeval))
        return Error(EINVAL);
    auto time = TRY(UserPtr<LinuxTimeval>(value_address).read());
    if (time.microseconds < 0 || time.microseconds >= 1'000'000)
        return Error(EDOM);
    if (time.seconds < 0)
        return uint64_t(0);
    if ((time.seconds == 0 && time.microseconds == 0) || uint64_t(time.seconds) >= no_timeout / ticks_per_second - 1)
        return no_timeout;
    constexpr uint64_t microseconds_per_tick = 1'000'000 / ticks_per_second;
    return uint64_t(time.seconds) * ticks_per_second + (uint64_t(time.microseconds) + microseconds_per_tick - 1) / microseconds_per_tick;
}

// The option's value as sk_getsockopt() builds it: an int unless `length` says otherwise.
struct OptionValue {
    union {
        int integer;
        uint64_t number;
        LinuxLinger linger;
        LinuxTimeval time;
        SocketCredentials credentials;
    };
    size_t length { sizeof(int) };

    OptionValue() { memset(&time, 0, sizeof(time)); }
};

// sock_getbindtodevice(): unbound reads as an empty name of length 0. No interface exists to
// name otherwise (ENXIO from netdev_get_name()), after the length check (EINVAL).
ErrorOr<long> get_bound_device(UnixSocket& socket, int length, uintptr_t length_address)
{
    if (socket.stored_options().bound_interface == 0) {
        TRY(UserPtr<int>(length_address).write(0));
        return 0;
    }
    if (length < interface_name_size)
        return Error(EINVAL);
    return Error(ENXIO);
}

// sk_getsockopt(): a negative length is EINVAL; the value is cut to the length given, and the
// length written back is what was copied. Options Linux has at other levels are EOPNOTSUPP
// for AF_UNIX (it has no protocol options); unknown ones ENOPROTOOPT.
ErrorOr<long> get_option(int fd, int level, int name, uintptr_t value_address, uintptr_t length_address)
{
    auto handle = TRY(socket_for(fd));
    auto& socket = *handle.socket;
    int length = TRY(UserPtr<int>(length_address).read());
    if (length < 0)
        return Error(EINVAL);
    if (level != sol_socket)
        return Error(EOPNOTSUPP);
    auto& stored = socket.stored_options();
    OptionValue value;
    switch (name) {
    case so_type:
        value.integer = socket.socket_type();
        break;
    case so_domain:
        value.integer = af_unix;
        break;
    case so_protocol:
        value.integer = 0;
        break;
    case so_error:
        value.integer = socket.take_error();
        break;
    case so_sndbuf:
        value.integer = int(socket.send_buffer_size());
        break;
    case so_rcvbuf:
        value.integer = int(socket.receive_buffer_size());
        break;
    case so_acceptconn:
        value.integer = socket.state() == UnixSocket::State::Listening;
        break;
    case so_reuseaddr:
        value.integer = socket.reuses_address();
        break;
    case so_passcred:
        value.integer = socket.passes_credentials();
        break;
    case so_peercred:
        value.credentials = socket.peer_credentials();
        value.length = sizeof(SocketCredentials);
        break;
    case so_rcvtimeo_old:
    case so_rcvtimeo_new:
        value.time = timeout_to_timeval(socket.receive_timeout());
        value.length = sizeof(LinuxTimeval);
        break;
    case so_sndtimeo_old:
    case so_sndtimeo_new:
        value.time = timeout_to_timeval(socket.send_timeout());
        value.length = sizeof(LinuxTimeval);
        break;
    case so_linger:
        // l_linger is an int: a linger of "for ever" reads back cut to 32 bits, as on Linux.
        value.linger = { stored.linger, int32_t(uint32_t(stored.linger_ticks / ticks_per_second)) };
        value.length = sizeof(LinuxLinger);
        break;
    case so_rcvlowat:
        value.integer = socket.receive_low_water();
        break;
    case so_sndlowat:
        value.integer = 1;
        break;
    case so_timestamp_old:
    case so_timestampns_old:
    case so_timestamp_new:
    case so_timestampns_new:
        value.integer = socket.timestamp_option(name);
        break;
    case so_debug:
        value.integer = stored.debug;
        break;
    case so_dontroute:
        value.integer = stored.dont_route;
        break;
    case so_broadcast:
        value.integer = stored.broadcast;
        break;
    case so_keepalive:
        value.integer = stored.keep_alive;
        break;
    case so_oobinline:
        value.integer = stored.oob_inline;
        break;
    case so_no_check:
        value.integer = stored.no_check;
        break;
    case so_passsec:
        value.integer = stored.pass_security;
        break;
    case so_select_err_queue:
        value.integer = stored.select_error_queue;
        break;
    case so_rxq_ovfl:
        value.integer = stored.receive_queue_overflow;
        break;
    case so_wifi_status:
        value.integer = stored.wifi_status;
        break;
    case so_nofcs:
        value.integer = stored.no_fcs;
        break;
    case so_rcvmark:
        value.integer = stored.receive_mark;
        break;
    case so_prefer_busy_poll:
        value.integer = stored.prefer_busy_poll;
        break;
    case so_priority:
        value.integer = stored.priority;
        break;
    case so_mark:
        value.integer = int(stored.mark);
        break;
    case so_busy_poll:
        value.integer = stored.busy_poll;
        break;
    case so_incoming_cpu:
        value.integer = stored.incoming_cpu;
        break;
    case so_bindtoifindex:
        value.integer = stored.bound_interface;
        break;
    case so_buf_lock:
        value.integer = int(stored.buffer_locks & buffer_lock_mask);
        break;
    case so_bsdcompat:
    case so_reuseport:
    case so_zerocopy:
        value.integer = 0;
        break;
    case so_cookie:
        if (size_t(length) < sizeof(uint64_t))
            return Error(EINVAL);
        value.number = socket.cookie();
        value.length = sizeof(uint64_t);
        break;
    case so_bindtodevice:
        return get_bound_device(socket, length, length_address);
    default:
        return Error(ENOPROTOOPT);
    }
    size_t copied = std::min(size_t(length), value.length);
    TRY(copy_to_user(value_address, &value, copied));
    TRY(UserPtr<int>(length_address).write(int(copied)));
    return 0;
}

// sock_setbindtodevice(): the name is cut to IFNAMSIZ - 1; an empty one (or a length of 0)
// unbinds; there are no interfaces, so any other name is ENODEV.
ErrorOr<long> set_bound_device(UnixSocket& socket, uintptr_t value_address, uint64_t length)
{
    if (int(length) < 0)
        return Error(EINVAL);
    char name[interface_name_size] {};
    size_t copied = std::min<uint64_t>(length, interface_name_size - 1);
    if (copied)
        TRY(copy_from_user(name, value_address, copied));
    if (name[0])
        return Error(ENODEV);
    // sock_bindtoindex_locked(): changing a binding needs CAP_NET_RAW.
    if (socket.stored_options().bound_interface && !is_privileged())
        return Error(EPERM);
    socket.stored_options().bound_interface = 0;
    return 0;
}

// sk_setsockopt(): SO_BINDTODEVICE takes a name; everything else at least an int (EINVAL),
// booleans being any value other than 0. Read-only options (SO_TYPE, SO_PEERCRED ...) and
// SO_SNDLOWAT are ENOPROTOOPT, as Linux answers for them.
ErrorOr<long> set_option(int fd, int level, int name, uintptr_t value_address, uint64_t length)
{
    auto handle = TRY(socket_for(fd));
    auto& socket = *handle.socket;
    if (level != sol_socket)
        return Error(EOPNOTSUPP);
    if (name == so_bindtodevice)
        return set_bound_device(socket, value_address, length);
    if (int(length) < int(sizeof(int)))
        return Error(EINVAL);
    int value = TRY(UserPtr<int>(value_address).read());
    bool flag = value != 0;
    bool privileged = is_privileged();
    auto& stored = socket.stored_options();
    switch (name) {
    case so_sndbuf:
    case so_sndbufforce:
        if (name == so_sndbufforce && !privileged)
            return Error(EPERM);
        socket.set_send_buffer_size(uint32_t(value), name == so_sndbufforce);
        stored.buffer_locks |= 1;
        return 0;
    case so_rcvbuf:
    case so_rcvbufforce:
        if (name == so_rcvbufforce && !privileged)
            return Error(EPERM);
        socket.set_receive_buffer_size(uint32_t(value), name == so_rcvbufforce);
        stored.buffer_locks |= 2;
        return 0;
    case so_buf_lock:
        if (unsigned(value) & ~buffer_lock_mask)
            return Error(EINVAL);
        stored.buffer_locks = unsigned(value);
        return 0;
    case so_reuseaddr:
        socket.set_reuses_address(flag);
        return 0;
    case so_passcred:
        socket.set_passes_credentials(flag);
        return 0;
    case so_rcvtimeo_old:
    case so_rcvtimeo_new:
        socket.set_receive_timeout(TRY(timeval_to_timeout(value_address, length)));
        return 0;
    case so_sndtimeo_old:
    case so_sndtimeo_new:
        socket.set_send_timeout(TRY(timeval_to_timeout(value_address, length)));
        return 0;
    case so_linger: {
        // "EINVAL" for less than a struct linger (1003.1g). Turning it off keeps the time.
        if (length < sizeof(LinuxLinger))
            return Error(EINVAL);
        auto linger = TRY(UserPtr<LinuxLinger>(value_address).read());
        if (!linger.on) {
            stored.linger = false;
            return 0;
        }
        uint64_t seconds = uint64_t(int64_t(linger.seconds));
        stored.linger_ticks = seconds >= no_timeout / ticks_per_second ? no_timeout : seconds * ticks_per_second;
        stored.linger = true;
        return 0;
    }
    case so_rcvlowat:
        // A negative mark is INT_MAX; 0 is 1.
        socket.set_receive_low_water(value < 0 ? INT32_MAX : (value ? value : 1));
        return 0;
    case so_timestamp_old:
    case so_timestampns_old:
    case so_timestamp_new:
    case so_timestampns_new:
        socket.set_timestamps(name, flag);
        return 0;
    case so_debug:
        if (flag && !privileged)
            return Error(EACCES);
        stored.debug = flag;
        return 0;
    case so_dontroute:
        stored.dont_route = flag;
        return 0;
    case so_broadcast:
        stored.broadcast = flag;
        return 0;
    case so_keepalive:
        stored.keep_alive = flag;
        return 0;
    case so_oobinline:
        stored.oob_inline = flag;
        return 0;
    case so_no_check:
        stored.no_check = flag;
        return 0;
    case so_passsec:
        stored.pass_security = flag;
        return 0;
    case so_select_err_queue:
        stored.select_error_queue = flag;
        return 0;
    case so_rxq_ovfl:
        stored.receive_queue_overflow = flag;
        return 0;
    case so_wifi_status:
        stored.wifi_status = flag;
        return 0;
    case so_nofcs:
        stored.no_fcs = flag;
        return 0;
    case so_rcvmark:
        stored.receive_mark = flag;
        return 0;
    case so_prefer_busy_poll:
        if (flag && !privileged)
            return Error(EPERM);
        stored.prefer_busy_poll = flag;
        return 0;
    case so_priority:
        // Priorities 0 to 6 for everyone, others with CAP_NET_ADMIN or CAP_NET_RAW.
        if ((value < 0 || value > 6) && !privileged)
            return Error(EPERM);
        stored.priority = value;
        return 0;
    case so_mark:
        if (!privileged)
            return Error(EPERM);
        stored.mark = uint32_t(value);
        return 0;
    case so_busy_poll:
        if (value < 0)
            return Error(EINVAL);
        stored.busy_poll = value;
        return 0;
    case so_incoming_cpu:
        stored.incoming_cpu = value;
        return 0;
    case so_bindtoifindex:
        if (stored.bound_interface && !privileged)
            return Error(EPERM);
        if (value < 0)
            return Error(EINVAL);
        stored.bound_interface = value;
        return 0;
    case so_bsdcompat:
        return 0;
    case so_reuseport:
        // Only inet sockets reuse ports.
        if (flag)
            return Error(EOPNOTSUPP);
        return 0;
    case so_zerocopy:
        return Error(EOPNOTSUPP);
    default:
        return Error(ENOPROTOOPT);
    }
}

}

}

using namespace net::syscalls;

SYSCALL_HANDLER(getsockopt) { return get_option(args.as_int(0), args.as_int(1), args.as_int(2), args[3], args[4]); }
SYSCALL_HANDLER(setsockopt) { return set_option(args.as_int(0), args.as_int(1), args.as_int(2), args[3], uint32_t(args[4])); }
