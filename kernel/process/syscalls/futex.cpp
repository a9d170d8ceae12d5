// futex(2): waiters are keyed by address space and address for private futexes, and by the
// physical word for futexes in shared memory, so processes sharing a mapping meet.
#include <lib/user_memory.h>
#include <mm/address_space.h>
#include <plat/clock.h>
#include <process/futex.h>
#include <process/process.h>
#include <sched/wait_queue.h>
#include <syscall/syscall.h>

namespace process {

namespace {

constexpr int op_wait = 0, op_wake = 1, op_requeue = 3, op_cmp_requeue = 4, op_wake_op = 5,
              op_wait_bitset = 9, op_wake_bitset = 10;
constexpr int futex_private_flag = 128, futex_clock_realtime = 256;
constexpr uint32_t bitset_match_any = 0xffff'ffff;

struct FutexKey {
    void const* space; // null for a shared futex: then `address` is physical
    uint64_t address;
    bool operator==(FutexKey const&) const = default;
};

struct FutexWaiter {
    FutexKey key;
    uint32_t bitset;
    bool woken { false };
    sched::WaitQueue queue;
    IntrusiveListNode node;
};

IntrusiveList<FutexWaiter, &FutexWaiter::node> s_waiters;

ErrorOr<FutexKey> key_for(Process& process, uint64_t address, bool is_private)
{
    if (address % 4)
        return Error(EINVAL);
    auto& space = process.address_space();
    if (!is_private) {
        auto* region = space.find_region(address);
        if (!region)
            return Error(EFAULT);
        if (region->shared)
            return FutexKey { nullptr, TRY(space.translate(address)) };
    }
    return FutexKey { &space, address };
}

size_t wake_key(FutexKey const& key, size_t count, uint32_t bitset)
{
    size_t woken = 0;
    for (auto it = s_waiters.begin(); it != s_waiters.end() && woken < count;) {
        FutexWaiter& waiter = *it;
        ++it;
        if (waiter.key == key && (waiter.bitset & bitset)) {
            IntrusiveList<FutexWaiter, &FutexWaiter::node>::remove(waiter);
            waiter.woken = true;
            waiter.queue.wake_all();
            ++woken;
        }
    }
    return woken;
}

struct Timespec {
    int64_t seconds;
    int64_t nanoseconds;
};

ErrorOr<uint64_t> read_timespec(uint64_t address)
{
    auto value = TRY(UserPtr<Timespec>(address).read());
    if (value.seconds < 0 || value.nanoseconds < 0 || value.nanoseconds >= 1'000'000'000)
        return Error(EINVAL);
    return uint64_t(value.seconds) * 1'000'000'000 + uint64_t(value.nanoseconds);
}

ErrorOr<long> wait(Process& process, uint64_t address, bool is_private, uint32_t expected, uint64_t deadline, uint32_t bitset)
{
    if (!bitset)
        return Error(EINVAL);
    FutexWaiter waiter;
    waiter.key = TRY(key_for(process, address, is_private));
    waiter.bitset = bitset;
    uint32_t value = TRY(UserPtr<uint32_t>(address).read());
    if (value != expected)
        return Error(EAGAIN);
    s_waiters.append(waiter);
    auto reason = waiter.queue.wait(deadline);
    IntrusiveList<FutexWaiter, &FutexWaiter::node>::remove(waiter);
    if (waiter.woken)
        return 0;
    if (reason == sched::WakeReason::TimedOut)
        return Error(ETIMEDOUT);
    return Error(EINTR);
}

// FUTEX_WAKE_OP's operation on the second word, and its comparison of the old value.
ErrorOr<bool> apply_wake_op(uint64_t address, uint32_t encoded)
{
    uint32_t op = (encoded >> 28) & 0xf;
    uint32_t cmp = (encoded >> 24) & 0xf;
    uint32_t oparg = (encoded >> 12) & 0xfff;
    uint32_t cmparg = encoded & 0xfff;
    if (op & 8) {
        op &= 7;
        oparg = 1u << (oparg & 31);
    }
    uint32_t old = TRY(UserPtr<uint32_t>(address).read());
    uint32_t value;
    switch (op) {
    case 0: value = oparg; break;
    case 1: value = old + oparg; break;
    case 2: value = old | oparg; break;
    case 3: value = old & ~oparg; break;
    case 4: value = old ^ oparg; break;
    default: return Error(ENOSYS);
    }
    TRY(UserPtr<uint32_t>(address).write(value));
    int32_t signed_old = int32_t(old);
    int32_t signed_arg = int32_t(cmparg << 20) >> 20; // sign-extended 12 bits
    switch (cmp) {
    case 0: return signed_old == signed_arg;
    case 1: return signed_old != signed_arg;
    case 2: return signed_old < signed_arg;
    case 3: return signed_old <= signed_arg;
    case 4: return signed_old > signed_arg;
    case 5: return signed_old >= signed_arg;
    default: return Error(ENOSYS);
    }
}

}

size_t futex_wake(Process& process, uint64_t address, size_t count)
{
    size_t woken = 0;
    // The word may be private or shared; wake both kinds of waiter, as Linux's unlock of a
    // CLONE_CHILD_CLEARTID word does with a shared futex.
    if (auto key = key_for(process, address, true); !key.is_error())
        woken += wake_key(key.value(), count, bitset_match_any);
    if (woken < count) {
        if (auto key = key_for(process, address, false); !key.is_error() && !key.value().space)
            woken += wake_key(key.value(), count - woken, bitset_match_any);
    }
    return woken;
}

void release_robust_futexes(sched::Thread& thread)
{
    constexpr uint32_t futex_waiters = 0x8000'0000, futex_owner_died = 0x4000'0000, futex_tid_mask = 0x3fff'ffff;
    constexpr int list_limit = 2048;
    if (!thread.robust_list_head || !thread.process() || !thread.process()->has_address_space())
        return;
    struct Head {
        uint64_t next;
        int64_t futex_offset;
        uint64_t pending;
    };
    auto head_read = UserPtr<Head>(thread.robust_list_head).read();
    if (head_read.is_error())
        return;
    Head head = head_read.value();
    auto handle = [&](uint64_t entry) {
        uint64_t word = (entry & ~uint64_t(1)) + uint64_t(head.futex_offset);
        auto value = UserPtr<uint32_t>(word).read();
        if (value.is_error() || (value.value() & futex_tid_mask) != uint32_t(thread.tid()))
            return;
        uint32_t updated = (value.value() & futex_waiters) | futex_owner_died;
        if (UserPtr<uint32_t>(word).write(updated).is_error())
            return;
        if (value.value() & futex_waiters)
            futex_wake(*thread.process(), word, 1);
    };
    uint64_t entry = head.next;
    for (int count = 0; entry != thread.robust_list_head && count < list_limit; ++count) {
        auto next = UserPtr<uint64_t>(entry & ~uint64_t(1)).read();
        if (next.is_error())
            break;
        if (entry != head.pending)
            handle(entry);
        entry = next.value();
    }
    if (head.pending)
        handle(head.pending);
    thread.robust_list_head = 0;
}

}

using namespace process;

// futex(2)
SYSCALL_HANDLER(futex)
{
    uint64_t address = args[0];
    int op = args.as_int(1);
    uint32_t value = uint32_t(args[2]);
    bool is_private = op & futex_private_flag;
    int command = op & ~(futex_private_flag | futex_clock_realtime);
    auto& process = current();
    if ((op & futex_clock_realtime) && command != op_wait_bitset && command != op_wait)
        return Error(ENOSYS);

    switch (command) {
    case op_wait:
    case op_wait_bitset: {
        uint64_t deadline = 0;
        if (args[3]) {
            uint64_t time = TRY(read_timespec(args[3]));
            if (command == op_wait) {
                deadline = plat::monotonic_nanoseconds() + time;
            } else if (op & futex_clock_realtime) {
                uint64_t now_real = plat::realtime_nanoseconds();
                uint64_t now = plat::monotonic_nanoseconds();
                deadline = time > now_real ? now + (time - now_real) : now;
            } else {
                deadline = time;
            }
            if (!deadline)
                deadline = 1;
        }
        uint32_t bitset = command == op_wait ? bitset_match_any : uint32_t(args[5]);
        return wait(process, address, is_private, value, deadline, bitset);
    }
    case op_wake:
    case op_wake_bitset: {
        uint32_t bitset = command == op_wake ? bitset_match_any : uint32_t(args[5]);
        if (!bitset)
            return Error(EINVAL);
        auto key = TRY(key_for(process, address, is_private));
        return long(wake_key(key, value, bitset));
    }
    case op_requeue:
    case op_cmp_requeue: {
        auto key = TRY(key_for(process, address, is_private));
        auto target = TRY(key_for(process, args[4], is_private));
        if (command == op_cmp_requeue) {
            uint32_t current_value = TRY(UserPtr<uint32_t>(address).read());
            if (current_value != uint32_t(args[5]))
                return Error(EAGAIN);
        }
        int64_t requeue_limit = int64_t(args[3]);
        if (int32_t(value) < 0 || int32_t(requeue_limit) < 0)
            return Error(EINVAL);
        size_t woken = wake_key(key, value, bitset_match_any);
        size_t moved = 0;
        for (auto& waiter : s_waiters) {
            if (moved >= size_t(uint32_t(requeue_limit)))
                break;
            if (waiter.key == key) {
                waiter.key = target;
                ++moved;
            }
        }
        return long(woken + moved);
    }
    case op_wake_op: {
        auto key = TRY(key_for(process, address, is_private));
        auto second = TRY(key_for(process, args[4], is_private));
        bool condition = TRY(apply_wake_op(args[4], uint32_t(args[5])));
        size_t woken = wake_key(key, value, bitset_match_any);
        if (condition)
            woken += wake_key(second, uint32_t(args[3]), bitset_match_any);
        return long(woken);
    }
    default:
        return Error(ENOSYS);
    }
}

// set_robust_list(2): the head is walked at thread exit; the length must be the size of
// struct robust_list_head.
SYSCALL_HANDLER(set_robust_list)
{
    if (args[1] != 24)
        return Error(EINVAL);
    current_thread().robust_list_head = args[0];
    return 0;
}

SYSCALL_HANDLER(get_robust_list)
{
    int tid = args.as_int(0);
    sched::Thread* thread = tid == 0 ? &current_thread() : find_thread(tid);
    if (!thread)
        return Error(ESRCH);
    TRY(args.pointer<uint64_t>(1).write(thread->robust_list_head));
    TRY(args.pointer<uint64_t>(2).write(24));
    return 0;
}

// set_tid_address(2)
SYSCALL_HANDLER(set_tid_address)
{
    current_thread().clear_child_tid = args[0];
    return current_thread().tid();
}
