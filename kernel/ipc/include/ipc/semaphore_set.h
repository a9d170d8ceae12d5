#pragma once

#include <cstdint>
#include <span>

#include <ipc/abi.h>
#include <lib/error_or.h>
#include <lib/vector.h>

namespace ipc {

struct Semaphore {
    int value { 0 };
    int pid { 0 }; // the process that last operated on it (GETPID)
};

// What semop(2) found: done, or the operation it would have to wait on.
struct SemaphoreOutcome {
    bool done { false };
    size_t blocking { 0 }; // index into the operations when not done
};

// The values of one semaphore set and Linux's rules for changing them (ipc/sem.c), free of
// waiting so that they run on the host.
class SemaphoreValues {
public:
    // EINVAL unless 1 <= count <= SEMMSL.
    ErrorOr<void> initialize(int count);
    size_t count() const { return m_semaphores.size(); }
    Semaphore const& at(size_t index) const { return m_semaphores[index]; }

    // The checks semop(2) makes before looking at the values: EINVAL for no operations,
    // E2BIG past SEMOPM, EFBIG for a semaphore number past the set. `alters` and `undoes` tell
    // whether any operation changes a value or asks for SEM_UNDO.
    static ErrorOr<void> check_operations(std::span<SemaphoreOperation const>, size_t count, bool& alters, bool& undoes);

    // Applies every operation or none, in order as Linux's perform_atomic_semop(): an
    // operation that would take a value below zero, or wait for zero on a value that is not,
    // stops the whole call (not done; `blocking` names it); a value past SEMVMX, or an undo
    // adjustment past SEMAEM, is ERANGE. Done, each operated semaphore records `pid`, and
    // `adjustments` (one per semaphore, may be empty when no operation has SEM_UNDO) takes
    // the opposite of every SEM_UNDO operation.
    ErrorOr<SemaphoreOutcome> apply(std::span<SemaphoreOperation const>, int pid, std::span<int16_t> adjustments);

    // SETVAL: ERANGE outside [0, SEMVMX].
    static ErrorOr<void> check_value(int value);
    void set(size_t index, int value, int pid);
    // SETALL: ERANGE if any value is past SEMVMX (nothing is changed then).
    ErrorOr<void> set_all(std::span<uint16_t const> values, int pid);
    // A process exits with SEM_UNDO adjustments: each is added, the result kept within
    // [0, SEMVMX] as Linux's exit_sem() does.
    void apply_adjustments(std::span<int16_t const> adjustments, int pid);

private:
    Vector<Semaphore> m_semaphores;
};

}
