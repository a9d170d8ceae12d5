#include <new>

#include <fs/poll.h>
#include <lib/vector.h>

#include "support.h"
#include "wait_support.h"

namespace fs::syscalls {

namespace {

struct UserPollfd {
    int fd;
    int16_t events;
    int16_t revents;
};
static_assert(sizeof(UserPollfd) == 8);

struct UserTimeval {
    int64_t seconds;
    int64_t microseconds;
};

// do_sys_poll(): "EINVAL The nfds value exceeds the RLIMIT_NOFILE value." The revents are
// written back whatever the outcome (zeros when interrupted), as Linux does.
ErrorOr<long> poll_user(uintptr_t fds_address, unsigned count, PollDeadline deadline)
{
    auto& table = current_fd_table();
    if (count > table.limit())
        return Error(EINVAL);
    Vector<PollRequest> requests;
    TRY(requests.try_ensure_capacity(count));
    constexpr unsigned batch_size = 64;
    UserPollfd batch[batch_size];
    for (unsigned start = 0; start < count; start += batch_size) {
        unsigned length = count - start < batch_size ? count - start : batch_size;
        TRY(copy_from_user(batch, fds_address + size_t(start) * sizeof(UserPollfd), length * sizeof(UserPollfd)));
        for (unsigned index = 0; index < length; ++index)
            MUST(requests.try_append(PollRequest { batch[index].fd, uint16_t(batch[index].events), 0 }));
    }
    auto result = poll_descriptors(table, requests.span(), deadline);
    for (unsigned index = 0; index < count; ++index) {
        int16_t revents = result.is_error() ? int16_t(0) : int16_t(requests[index].revents);
        TRY(copy_to_user(fds_address + size_t(index) * sizeof(UserPollfd) + offsetof(UserPollfd, revents), &revents, sizeof(revents)));
    }
    return long(TRY(result));
}

// select(2)'s sets as Linux's core_sys_select() takes them: nfds is clamped to the size of
// the descriptor table, and each set is read and written as that many bits rounded up to
// whole longs.
constexpr size_t bits_per_long = 64;

struct SelectSets {
    uintptr_t addresses[3];
    Vector<uint64_t> words[3];
};

// The poll events each set stands for (POLLIN_SET, POLLOUT_SET, POLLEX_SET) and what counts
// as ready for it.
constexpr uint32_t select_in_set = poll_rdnorm | poll_rdband | poll_in | poll_hup | poll_err;
constexpr uint32_t select_out_set = poll_wrband | poll_wrnorm | poll_out | poll_err;
constexpr uint32_t select_except_set = poll_pri;
constexpr uint32_t select_sets[3] = { select_in_set, select_out_set, select_except_set };

ErrorOr<long> select_user(int count, uintptr_t in_address, uintptr_t out_address, uintptr_t except_address, PollDeadline deadline)
{
    if (count < 0)
        return Error(EINVAL);
    auto& table = current_fd_table();
    size_t limit = table.limit();
    size_t fd_count = size_t(count) < limit ? size_t(count) : limit;
    size_t word_count = (fd_count + bits_per_long - 1) / bits_per_long;

    SelectSets sets { { in_address, out_address, except_address }, {} };
    for (int set = 0; set < 3; ++set) {
        TRY(sets.words[set].try_resize(word_count));
        if (sets.addresses[set] && word_count)
            TRY(copy_from_user(sets.words[set].data(), sets.addresses[set], word_count * sizeof(uint64_t)));
    }

    // max_select_fd(): every descriptor named must be open (EBADF), before any waiting.
    Vector<PollRequest> requests;
    Vector<uint8_t> requested_sets;
    for (size_t fd = 0; fd < fd_count; ++fd) {
        uint64_t bit = uint64_t(1) << (fd % bits_per_long);
        uint32_t events = 0;
        uint8_t which = 0;
        for (int set = 0; set < 3; ++set) {
            if (sets.words[set][fd / bits_per_long] & bit) {
                events |= select_sets[set];
                which |= uint8_t(1 << set);
            }
        }
        if (!which)
            continue;
        TRY(table.get(int(fd)));
        TRY(requests.try_append(PollRequest { int(fd), events, 0 }));
        TRY(requested_sets.try_append(which));
    }

    for (;;) {
        TRY(poll_descriptors(table, requests.span(), deadline));
        for (int set = 0; set < 3; ++set) {
            for (auto& word : sets.words[set])
                word = 0;
        }
        long ready = 0;
        for (size_t index = 0; index < requests.size(); ++index) {
            auto& request = requests[index];
            if (request.fd < 0)
                continue;
            // A descriptor closed while waiting (POLLNVAL) counts in no set and is not looked
            // at again, as Linux's do_select() skips it.
            if (request.revents & poll_nval) {
                request.fd = -1;
                continue;
            }
            for (int set = 0; set < 3; ++set) {
                if (!(requested_sets[index] & (1 << set)) || !(request.revents & select_sets[set]))
                    continue;
                sets.words[set][size_t(request.fd) / bits_per_long] |= uint64_t(1) << (size_t(request.fd) % bits_per_long);
                ++ready;
            }
        }
        if (ready || deadline.is_immediate() || deadline.remaining() == 0)
            break;
    }

    // What was asked for but not found is cleared; sets that were not given stay untouched.
    long total = 0;
    for (int set = 0; set < 3; ++set) {
        for (auto word : sets.words[set])
            total += __builtin_popcountll(word);
        if (sets.addresses[set] && word_count)
            TRY(copy_to_user(sets.addresses[set], sets.words[set].data(), word_count * sizeof(uint64_t)));
    }
    return total;
}

}

}

using namespace fs::syscalls;

// poll(2): milliseconds, negative for ever.
SYSCALL_HANDLER(poll) { return poll_user(args[0], unsigned(args[1]), deadline_from_milliseconds(args.as_int(2))); }

// ppoll(2): a timespec (null for ever) that is written back with the time left, and a signal
// mask in force while waiting.
SYSCALL_HANDLER(ppoll)
{
    auto deadline = fs::PollDeadline::never();
    UserPtr<UserTimespec> timeout(args[2]);
    bool has_timeout = false;
    if (!timeout.is_null()) {
        deadline = TRY(deadline_from_timespec(TRY(timeout.read())));
        has_timeout = !deadline.is_immediate() && deadline.has_deadline;
    }
    TemporarySignalMask mask;
    TRY(mask.apply(args[3], size_t(args[4])));
    auto result = mask.finish(poll_user(args[0], unsigned(args[1]), deadline));
    if (has_timeout)
        (void)timeout.write(time_left(deadline));
    return result;
}

// select(2): a timeval, normalized rather than refused when the microseconds exceed a second
// (EINVAL only for negative values), written back with the time left.
SYSCALL_HANDLER(select)
{
    auto deadline = fs::PollDeadline::never();
    UserPtr<UserTimeval> timeout(args[4]);
    bool has_timeout = false;
    if (!timeout.is_null()) {
        auto value = TRY(timeout.read());
        UserTimespec time { value.seconds + value.microseconds / 1'000'000, (value.microseconds % 1'000'000) * 1000 };
        deadline = TRY(deadline_from_timespec(time));
        has_timeout = !deadline.is_immediate() && deadline.has_deadline;
    }
    auto result = select_user(args.as_int(0), args[1], args[2], args[3], deadline);
    if (has_timeout) {
        auto left = time_left(deadline);
        (void)timeout.write(UserTimeval { left.seconds, left.nanoseconds / 1000 });
    }
    return result;
}

// pselect6(2): a timespec written back with the time left, and a sixth argument pointing at
// { const sigset_t *mask; size_t size; }.
SYSCALL_HANDLER(pselect6)
{
    auto deadline = fs::PollDeadline::never();
    UserPtr<UserTimespec> timeout(args[4]);
    bool has_timeout = false;
    if (!timeout.is_null()) {
        deadline = TRY(deadline_from_timespec(TRY(timeout.read())));
        has_timeout = !deadline.is_immediate() && deadline.has_deadline;
    }
    TemporarySignalMask mask;
    if (args[5]) {
        struct MaskArgument {
            uint64_t mask;
            uint64_t size;
        };
        auto data = TRY(UserPtr<MaskArgument>(args[5]).read());
        TRY(mask.apply(data.mask, data.size));
    }
    auto result = mask.finish(select_user(args.as_int(0), args[1], args[2], args[3], deadline));
    if (has_timeout)
        (void)timeout.write(time_left(deadline));
    return result;
}
