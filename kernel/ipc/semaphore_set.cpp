#include <ipc/semaphore_set.h>

namespace ipc {

ErrorOr<void> SemaphoreValues::initialize(int count)
{
    if (count < 1 || count > sem_msl)
        return Error(EINVAL);
    TRY(m_semaphores.try_resize(size_t(count)));
    for (auto& semaphore : m_semaphores)
        semaphore = {};
    return {};
}

ErrorOr<void> SemaphoreValues::check_operations(std::span<SemaphoreOperation const> operations, size_t count, bool& alters, bool& undoes)
{
    alters = undoes = false;
    size_t highest = 0;
    for (auto const& operation : operations) {
        if (operation.number > highest)
            highest = operation.number;
        if (operation.flags & sem_undo)
            undoes = true;
        if (operation.operation != 0)
            alters = true;
    }
    if (highest >= count)
        return Error(EFBIG);
    return {};
}

ErrorOr<SemaphoreOutcome> SemaphoreValues::apply(std::span<SemaphoreOperation const> operations, int pid, std::span<int16_t> adjustments)
{
    // Linux's perform_atomic_semop_slow(): apply in order (an operation sees the ones before it
    // on the same semaphore), and take everything back at the first one that cannot go on.
    size_t applied = 0;
    auto undo = [&] {
        while (applied > 0) {
            auto const& operation = operations[--applied];
            m_semaphores[operation.number].value -= operation.operation;
            if (operation.flags & sem_undo)
                adjustments[operation.number] = int16_t(adjustments[operation.number] + operation.operation);
        }
    };
    for (; applied < operations.size(); ++applied) {
        auto const& operation = operations[applied];
        auto& semaphore = m_semaphores[operation.number];
        int result = semaphore.value + operation.operation;
        if ((operation.operation == 0 && semaphore.value != 0) || result < 0) {
            undo();
            return SemaphoreOutcome { false, size_t(&operation - operations.data()) };
        }
        if (result > sem_vmx) {
            undo();
            return Error(ERANGE);
        }
        if (operation.flags & sem_undo) {
            int adjustment = adjustments[operation.number] - operation.operation;
            if (adjustment < -sem_aem - 1 || adjustment > sem_aem) {
                undo();
                return Error(ERANGE);
            }
            adjustments[operation.number] = int16_t(adjustment);
        }
        semaphore.value = result;
    }
    for (auto const& operation : operations)
        m_semaphores[operation.number].pid = pid;
    return SemaphoreOutcome { true, 0 };
}

ErrorOr<void> SemaphoreValues::check_value(int value)
{
    if (value < 0 || value > sem_vmx)
        return Error(ERANGE);
    return {};
}

void SemaphoreValues::set(size_t index, int value, int pid)
{
    m_semaphores[index].value = value;
    m_semaphores[index].pid = pid;
}

ErrorOr<void> SemaphoreValues::set_all(std::span<uint16_t const> values, int pid)
{
    for (size_t index = 0; index < values.size() && index < count(); ++index)
        if (values[index] > sem_vmx)
            return Error(ERANGE);
    for (size_t index = 0; index < values.size() && index < count(); ++index)
        set(index, values[index], pid);
    return {};
}

void SemaphoreValues::apply_adjustments(std::span<int16_t const> adjustments, int pid)
{
    for (size_t index = 0; index < adjustments.size() && index < count(); ++index) {
        if (!adjustments[index])
            continue;
        int value = m_semaphores[index].value + adjustments[index];
        if (value < 0)
            value = 0;
        if (value > sem_vmx)
            value = sem_vmx;
        set(index, value, pid);
    }
}

}
