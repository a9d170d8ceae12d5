// System V semaphores (semget(2), semop(2), semtimedop(2), semctl(2)). The values and the rules
// for changing them are ipc::SemaphoreValues; here are the sets, the waiting and the SEM_UNDO
// adjustments, which belong to a process (its threads share them, as with CLONE_SYSVSEM, and
// a child starts without) and are applied when it exits.
#include <ipc/semaphore_set.h>
#include <lib/intrusive_list.h>
#include <process/clock.h>
#include <sched/wait_queue.h>

#include "support.h"

namespace ipc {

namespace {

IpcTable s_sets { sem_mni };
int64_t s_semaphore_count { 0 };

// A thread waiting in semop(2), and the operation it waits on (GETNCNT, GETZCNT).
struct SemaphoreWaiter {
    uint16_t number;
    bool for_zero;
    IntrusiveListNode node;
};

class SemaphoreSet final : public IpcObject {
public:
    ~SemaphoreSet() override { s_semaphore_count -= int64_t(values.count()); }

    SemaphoreValues values;
    int64_t operation_time { 0 }, change_time { 0 };
    sched::WaitQueue queue;
    IntrusiveList<SemaphoreWaiter, &SemaphoreWaiter::node> waiters;

    // Values changed: every waiter tries its operations again.
    void changed() { queue.wake_all(); }
    int waiting_count(int number, bool for_zero) const
    {
        int count = 0;
        for (auto const& waiter : waiters)
            if (waiter.number == number && waiter.for_zero == for_zero)
                ++count;
        return count;
    }
};

// One process's SEM_UNDO adjustments for one set (Linux's struct sem_undo).
struct UndoEntry {
    int pid;
    int id;
    Vector<int16_t> adjustments;
};
Vector<UndoEntry> s_undo_entries;

ErrorOr<std::span<int16_t>> undo_entry_for(int pid, int id, size_t count)
{
    for (auto& entry : s_undo_entries)
        if (entry.pid == pid && entry.id == id)
            return entry.adjustments.span();
    UndoEntry entry { pid, id, {} };
    TRY(entry.adjustments.try_resize(count));
    TRY(s_undo_entries.try_append(std::move(entry)));
    return s_undo_entries.last().adjustments.span();
}

// SETVAL and SETALL clear the adjustments of the semaphores they set (-1: all of them);
// IPC_RMID drops every process's adjustments for the set.
void clear_adjustments(int id, int number)
{
    for (auto& entry : s_undo_entries) {
        if (entry.id != id)
            continue;
        for (size_t index = 0; index < entry.adjustments.size(); ++index)
            if (number < 0 || size_t(number) == index)
                entry.adjustments[index] = 0;
    }
}

void drop_adjustments(int id)
{
    for (size_t index = 0; index < s_undo_entries.size();) {
        if (s_undo_entries[index].id == id)
            s_undo_entries.remove(index);
        else
            ++index;
    }
}

ErrorOr<RefPtr<IpcObject>> create_set(int count)
{
    if (count < 0 || count > sem_msl)
        return Error(EINVAL);
    if (s_semaphore_count + count > sem_mns)
        return Error(ENOSPC);
    auto set = TRY(try_make_ref_counted<SemaphoreSet>());
    TRY(set->values.initialize(count));
    set->change_time = now_seconds();
    s_semaphore_count += count;
    return RefPtr<IpcObject>(std::move(set));
}

void remove_set(SemaphoreSet& set)
{
    RefPtr<IpcObject> kept(&set);
    drop_adjustments(set.id);
    s_sets.remove(set);
    set.changed();
}

LinuxSemidDs status_of(SemaphoreSet const& set)
{
    return {
        .perm = set.linux_perm(),
        .operation_time = set.operation_time,
        .unused1 = 0,
        .change_time = set.change_time,
        .unused2 = 0,
        .semaphore_count = set.values.count(),
        .unused3 = 0,
        .unused4 = 0,
    };
}

// semtimedop(2); semop(2) without a timeout.
ErrorOr<long> operate(int id, uint64_t operations_address, uint64_t count, uint64_t timeout_address)
{
    if (count < 1 || id < 0)
        return Error(EINVAL);
    if (count > uint64_t(sem_opm))
        return Error(E2BIG);
    Vector<SemaphoreOperation> operations;
    TRY(operations.try_resize(size_t(count)));
    TRY(copy_from_user(operations.data(), operations_address, size_t(count) * sizeof(SemaphoreOperation)));
    uint64_t deadline = 0;
    if (timeout_address)
        deadline = plat::monotonic_nanoseconds() + TRY(process::read_duration(timeout_address));

    auto caller = current_caller();
    auto* found = TRY(object_with_id<SemaphoreSet>(s_sets, id));
    bool alters = false, undoes = false;
    TRY(SemaphoreValues::check_operations(operations.span(), found->values.count(), alters, undoes));
    TRY(found->check_access(caller, alters ? 0222 : 0444));
    RefPtr<IpcObject> kept(found);
    auto& set = *found;
    for (;;) {
        std::span<int16_t> adjustments;
        if (undoes)
            adjustments = TRY(undo_entry_for(caller.pid, id, set.values.count()));
        auto outcome = TRY(set.values.apply(operations.span(), caller.pid, adjustments));
        if (outcome.done) {
            set.operation_time = now_seconds();
            if (alters)
                set.changed();
            return 0;
        }
        auto const& blocking = operations[outcome.blocking];
        if (blocking.flags & ipc_nowait)
            return Error(EAGAIN);
        SemaphoreWaiter waiter { blocking.number, blocking.operation == 0, {} };
        set.waiters.append(waiter);
        auto reason = set.queue.wait(deadline);
        IntrusiveList<SemaphoreWaiter, &SemaphoreWaiter::node>::remove(waiter);
        // Linux never restarts semop(2) after a signal handler: EINTR whatever SA_RESTART says.
        if (set.is_removed)
            return Error(EIDRM);
        if (reason == sched::WakeReason::Interrupted)
            return Error(EINTR);
        if (reason == sched::WakeReason::TimedOut)
            return Error(EAGAIN);
    }
}

ErrorOr<long> information(int command, uint64_t buffer)
{
    constexpr int32_t semmns = int32_t(sem_mns);
    LinuxSemInfo info {
        .semmap = semmns,
        .semmni = int32_t(sem_mni),
        .semmns = semmns,
        .semmnu = semmns,
        .semmsl = sem_msl,
        .semopm = sem_opm,
        .semume = sem_opm,
        .semusz = 20,
        .semvmx = sem_vmx,
        .semaem = sem_aem,
    };
    if (command == sem_info) {
        info.semusz = int32_t(s_sets.count());
        info.semaem = int32_t(s_semaphore_count);
    }
    TRY(UserPtr<LinuxSemInfo>(buffer).write(info));
    return highest_index_result(s_sets);
}

// semctl(2). The fourth argument is union semun, passed by value in a register: an int for
// SETVAL, else a pointer.
ErrorOr<long> control(int id, int number, int command, uint64_t argument)
{
    if (id < 0)
        return Error(EINVAL);
    auto caller = current_caller();
    switch (command) {
    case ipc_info:
    case sem_info:
        return information(command, argument);
    case sem_stat:
    case sem_stat_any: {
        auto* set = TRY(object_at_index<SemaphoreSet>(s_sets, id));
        if (command == sem_stat)
            TRY(set->check_access(caller, 0444));
        TRY(UserPtr<LinuxSemidDs>(argument).write(status_of(*set)));
        return set->id;
    }
    case ipc_stat: {
        auto* set = TRY(object_with_id<SemaphoreSet>(s_sets, id));
        TRY(set->check_access(caller, 0444));
        TRY(UserPtr<LinuxSemidDs>(argument).write(status_of(*set)));
        return 0;
    }
    case ipc_set: {
        auto* set = TRY(object_with_id<SemaphoreSet>(s_sets, id));
        TRY(set_from_user(*set, caller, argument));
        set->change_time = now_seconds();
        return 0;
    }
    case ipc_rmid: {
        auto* set = TRY(object_with_id<SemaphoreSet>(s_sets, id));
        TRY(set->check_owner(caller));
        remove_set(*set);
        return 0;
    }
    case sem_setval: {
        // semctl_setval(): the value is checked before the set is looked up.
        int value = int(argument);
        TRY(SemaphoreValues::check_value(value));
        auto* set = TRY(object_with_id<SemaphoreSet>(s_sets, id));
        if (number < 0 || size_t(number) >= set->values.count())
            return Error(EINVAL);
        TRY(set->check_access(caller, 0222));
        clear_adjustments(id, number);
        set->values.set(size_t(number), value, caller.pid);
        set->change_time = now_seconds();
        set->changed();
        return 0;
    }
    case sem_getall:
    case sem_setall:
    case sem_getval:
    case sem_getpid:
    case sem_getncnt:
    case sem_getzcnt:
        break;
    default:
        return Error(EINVAL);
    }

    // semctl_main()
    auto* set = TRY(object_with_id<SemaphoreSet>(s_sets, id));
    RefPtr<IpcObject> kept(set);
    TRY(set->check_access(caller, command == sem_setall ? 0222 : 0444));
    size_t count = set->values.count();
    if (command == sem_getall || command == sem_setall) {
        Vector<uint16_t> values;
        TRY(values.try_resize(count));
        if (command == sem_getall) {
            for (size_t index = 0; index < count; ++index)
                values[index] = uint16_t(set->values.at(index).value);
            TRY(copy_to_user(argument, values.data(), count * sizeof(uint16_t)));
            return 0;
        }
        TRY(copy_from_user(values.data(), argument, count * sizeof(uint16_t)));
        if (set->is_removed)
            return Error(EIDRM);
        TRY(set->values.set_all(values.span(), caller.pid));
        clear_adjustments(id, -1);
        set->change_time = now_seconds();
        set->changed();
        return 0;
    }
    if (number < 0 || size_t(number) >= count)
        return Error(EINVAL);
    switch (command) {
    case sem_getval:
        return set->values.at(size_t(number)).value;
    case sem_getpid:
        return set->values.at(size_t(number)).pid;
    case sem_getncnt:
        return set->waiting_count(number, false);
    default:
        return set->waiting_count(number, true);
    }
}

// A process's SEM_UNDO adjustments, applied when it exits (exit_sem()): each value moves back
// by what the process's operations moved it, kept within [0, SEMVMX], and waiters try again.
void exit_semaphores(process::Process& process)
{
    int pid = process.pid();
    for (size_t index = 0; index < s_undo_entries.size();) {
        auto& entry = s_undo_entries[index];
        if (entry.pid != pid) {
            ++index;
            continue;
        }
        if (auto* object = s_sets.find_id(entry.id)) {
            auto& set = static_cast<SemaphoreSet&>(*object);
            set.values.apply_adjustments(entry.adjustments.span(), pid);
            set.changed();
        }
        s_undo_entries.remove(index);
    }
}

}

}

PROCESS_LIFECYCLE_HOOKS(semaphore_undo, "semaphore undo", nullptr, nullptr, ipc::exit_semaphores);

// semget(2): IPC_PRIVATE or a key; EINVAL for a count outside [1, SEMMSL] when creating, or
// past the count of an existing set (0 finds any).
SYSCALL_HANDLER(semget)
{
    using namespace ipc;
    int32_t key = int32_t(args[0]);
    int count = args.as_int(1);
    int flags = args.as_int(2);
    if (count < 0 || count > sem_msl)
        return Error(EINVAL);
    auto caller = current_caller();
    return long(TRY(get_object(
        s_sets, caller, key, flags,
        [&](IpcObject& object) -> ErrorOr<void> {
            if (size_t(count) > static_cast<SemaphoreSet&>(object).values.count())
                return Error(EINVAL);
            return {};
        },
        [&] { return create_set(count); })));
}

SYSCALL_HANDLER(semop) { return ipc::operate(args.as_int(0), args[1], uint32_t(args[2]), 0); }
SYSCALL_HANDLER(semtimedop) { return ipc::operate(args.as_int(0), args[1], uint32_t(args[2]), args[3]); }
SYSCALL_HANDLER(semctl) { return ipc::control(args.as_int(0), args.as_int(1), args.as_int(2), args[3]); }
