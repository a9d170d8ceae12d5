// semop(2)'s rules: all or nothing, waiting, ERANGE, SEM_UNDO adjustments, as Linux's ipc/sem.c.
#include <gtest/gtest.h>

#include <ipc/semaphore_set.h>

namespace {

using namespace ipc;

SemaphoreValues make(int count)
{
    SemaphoreValues values;
    MUST(values.initialize(count));
    return values;
}

TEST(SemaphoreValues, CountLimits)
{
    SemaphoreValues values;
    EXPECT_EQ(values.initialize(0).error().code(), EINVAL);
    EXPECT_EQ(values.initialize(sem_msl + 1).error().code(), EINVAL);
    EXPECT_FALSE(values.initialize(sem_msl).is_error());
}

TEST(SemaphoreValues, CheckOperations)
{
    bool alters = true, undoes = true;
    SemaphoreOperation wait_zero[] = { { 1, 0, 0 } };
    EXPECT_FALSE(SemaphoreValues::check_operations(wait_zero, 2, alters, undoes).is_error());
    EXPECT_FALSE(alters);
    EXPECT_FALSE(undoes);
    SemaphoreOperation past[] = { { 0, 1, sem_undo }, { 2, -1, 0 } };
    EXPECT_EQ(SemaphoreValues::check_operations(past, 2, alters, undoes).error().code(), EFBIG);
    EXPECT_FALSE(SemaphoreValues::check_operations(past, 3, alters, undoes).is_error());
    EXPECT_TRUE(alters);
    EXPECT_TRUE(undoes);
}

TEST(SemaphoreValues, AllOrNothing)
{
    auto values = make(2);
    values.set(0, 1, 7);
    SemaphoreOperation operations[] = { { 0, -1, 0 }, { 1, -1, 0 } };
    auto outcome = MUST(values.apply(operations, 42, {}));
    EXPECT_FALSE(outcome.done);
    EXPECT_EQ(outcome.blocking, 1u);
    EXPECT_EQ(values.at(0).value, 1);
    EXPECT_EQ(values.at(0).pid, 7);
    values.set(1, 3, 7);
    outcome = MUST(values.apply(operations, 42, {}));
    EXPECT_TRUE(outcome.done);
    EXPECT_EQ(values.at(0).value, 0);
    EXPECT_EQ(values.at(1).value, 2);
    EXPECT_EQ(values.at(0).pid, 42);
}

TEST(SemaphoreValues, WaitForZeroAndSequentialOperations)
{
    auto values = make(1);
    values.set(0, 1, 1);
    SemaphoreOperation zero[] = { { 0, 0, 0 } };
    EXPECT_FALSE(MUST(values.apply(zero, 2, {})).done);
    // Operations on one semaphore see the ones before them: -1 then wait for zero succeeds.
    SemaphoreOperation take_then_zero[] = { { 0, -1, 0 }, { 0, 0, 0 } };
    EXPECT_TRUE(MUST(values.apply(take_then_zero, 2, {})).done);
    EXPECT_EQ(values.at(0).value, 0);
    // +1 then -2 blocks on the second, and the first is taken back.
    SemaphoreOperation add_then_take[] = { { 0, 1, 0 }, { 0, -2, 0 } };
    auto outcome = MUST(values.apply(add_then_take, 2, {}));
    EXPECT_FALSE(outcome.done);
    EXPECT_EQ(outcome.blocking, 1u);
    EXPECT_EQ(values.at(0).value, 0);
}

TEST(SemaphoreValues, Range)
{
    auto values = make(2);
    values.set(0, sem_vmx, 1);
    SemaphoreOperation operations[] = { { 1, 1, 0 }, { 0, 1, 0 } };
    EXPECT_EQ(values.apply(operations, 2, {}).error().code(), ERANGE);
    EXPECT_EQ(values.at(1).value, 0);
    EXPECT_EQ(SemaphoreValues::check_value(-1).error().code(), ERANGE);
    EXPECT_EQ(SemaphoreValues::check_value(sem_vmx + 1).error().code(), ERANGE);
    EXPECT_FALSE(SemaphoreValues::check_value(sem_vmx).is_error());
    uint16_t too_big[] = { 1, uint16_t(sem_vmx + 1) };
    EXPECT_EQ(values.set_all(too_big, 3).error().code(), ERANGE);
    EXPECT_EQ(values.at(0).value, sem_vmx);
    uint16_t fine[] = { 4, 5 };
    EXPECT_FALSE(values.set_all(fine, 3).is_error());
    EXPECT_EQ(values.at(1).value, 5);
    EXPECT_EQ(values.at(1).pid, 3);
}

TEST(SemaphoreValues, UndoAdjustments)
{
    auto values = make(2);
    int16_t adjustments[2] = {};
    SemaphoreOperation up[] = { { 0, 2, sem_undo }, { 1, 1, 0 } };
    EXPECT_TRUE(MUST(values.apply(up, 9, adjustments)).done);
    EXPECT_EQ(adjustments[0], -2);
    EXPECT_EQ(adjustments[1], 0);
    // A blocked call leaves the adjustments as they were.
    SemaphoreOperation blocked[] = { { 0, -1, sem_undo }, { 1, -5, sem_undo } };
    EXPECT_FALSE(MUST(values.apply(blocked, 9, adjustments)).done);
    EXPECT_EQ(adjustments[0], -2);
    EXPECT_EQ(adjustments[1], 0);
    // At exit the values move back, never below zero.
    values.set(0, 1, 9);
    values.apply_adjustments(adjustments, 10);
    EXPECT_EQ(values.at(0).value, 0);
    EXPECT_EQ(values.at(0).pid, 10);
    EXPECT_EQ(values.at(1).value, 1);
    // An adjustment past SEMAEM is ERANGE.
    int16_t full[2] = { int16_t(-sem_aem), 0 };
    SemaphoreOperation more[] = { { 0, 2, sem_undo } };
    EXPECT_EQ(values.apply(more, 9, full).error().code(), ERANGE);
    EXPECT_EQ(values.at(0).value, 0);
}

}
