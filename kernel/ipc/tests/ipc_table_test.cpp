// The key and id table of System V IPC and its permission checks, as Linux's ipc/util.c has them.
#include <gtest/gtest.h>

#include <ipc/ipc_table.h>

namespace {

using namespace ipc;

class TestObject final : public IpcObject {
public:
    static ErrorOr<RefPtr<IpcObject>> create() { return RefPtr<IpcObject>(TRY(try_make_ref_counted<TestObject>())); }
};

Caller root() { return {}; }
Caller user(uint32_t uid, uint32_t gid) { return { uid, gid, {}, false, 100 }; }

auto no_checks = [](IpcObject&) -> ErrorOr<void> { return {}; };

TEST(IpcTable, IdsAreSlotsWithSequenceNumbers)
{
    IpcTable table(16);
    auto first = table.add(MUST(TestObject::create()));
    auto second = table.add(MUST(TestObject::create()));
    ASSERT_FALSE(first.is_error());
    EXPECT_EQ(first.value(), 0);
    EXPECT_EQ(second.value(), 1);
    EXPECT_EQ(table.highest_index(), 1);
    table.remove(*table.find_id(0));
    EXPECT_EQ(table.find_id(0), nullptr);
    // The freed slot comes back with the next sequence number, so the old id stays stale.
    auto third = table.add(MUST(TestObject::create()));
    EXPECT_EQ(third.value(), id_index_limit);
    EXPECT_EQ(table.find_id(0), nullptr);
    ASSERT_NE(table.find_id(id_index_limit), nullptr);
    EXPECT_EQ(table.find_id(id_index_limit)->sequence, 1);
    EXPECT_EQ(table.find_id(-1), nullptr);
    EXPECT_EQ(table.count(), 2u);
}

TEST(IpcTable, FullTableIsENOSPC)
{
    IpcTable table(2);
    ASSERT_FALSE(table.add(MUST(TestObject::create())).is_error());
    ASSERT_FALSE(table.add(MUST(TestObject::create())).is_error());
    auto third = table.add(MUST(TestObject::create()));
    ASSERT_TRUE(third.is_error());
    EXPECT_EQ(third.error().code(), ENOSPC);
}

TEST(IpcTable, GetObjectByKey)
{
    IpcTable table(16);
    auto create = [] { return TestObject::create(); };
    auto missing = get_object(table, root(), 1234, 0600, no_checks, create);
    ASSERT_TRUE(missing.is_error());
    EXPECT_EQ(missing.error().code(), ENOENT);
    int id = MUST(get_object(table, root(), 1234, ipc_create | 0600, no_checks, create));
    EXPECT_EQ(MUST(get_object(table, root(), 1234, 0, no_checks, create)), id);
    EXPECT_EQ(MUST(get_object(table, root(), 1234, ipc_create, no_checks, create)), id);
    auto exclusive = get_object(table, root(), 1234, ipc_create | ipc_exclusive, no_checks, create);
    ASSERT_TRUE(exclusive.is_error());
    EXPECT_EQ(exclusive.error().code(), EEXIST);
    // IPC_PRIVATE always makes a new object, and is never found by key.
    int first_private = MUST(get_object(table, root(), ipc_private, 0600, no_checks, create));
    int second_private = MUST(get_object(table, root(), ipc_private, 0600, no_checks, create));
    EXPECT_NE(first_private, second_private);
    EXPECT_EQ(table.find_key(ipc_private), nullptr);
    // A key released (a segment removed while attached) is free for a new object.
    table.release_key(*table.find_id(id));
    EXPECT_NE(MUST(get_object(table, root(), 1234, ipc_create | 0600, no_checks, create)), id);
    // The kind's own checks come after EEXIST and before the permissions.
    auto failing = [](IpcObject&) -> ErrorOr<void> { return Error(EINVAL); };
    auto checked = get_object(table, user(5, 5), 1234, 0, failing, create);
    ASSERT_TRUE(checked.is_error());
    EXPECT_EQ(checked.error().code(), EINVAL);
}

TEST(IpcObject, PermissionsByClass)
{
    TestObject object;
    object.initialize(user(1000, 100), 1, 0640);
    EXPECT_EQ(object.uid, 1000u);
    EXPECT_EQ(object.cgid, 100u);
    EXPECT_EQ(object.mode, 0640u);
    EXPECT_FALSE(object.check_access(user(1000, 1), 0666).is_error());
    EXPECT_FALSE(object.check_access(user(2000, 100), 0444).is_error());
    EXPECT_EQ(object.check_access(user(2000, 100), 0222).error().code(), EACCES);
    EXPECT_EQ(object.check_access(user(2000, 200), 0444).error().code(), EACCES);
    EXPECT_FALSE(object.check_access(user(2000, 200), 0).is_error());
    EXPECT_FALSE(object.check_access(root(), 0666).is_error());
    uint32_t groups[] = { 100 };
    Caller member { 2000, 200, groups, false, 1 };
    EXPECT_FALSE(object.check_access(member, 0444).is_error());
    // The owner's class decides even when it grants less than the others'.
    object.mode = 0066;
    EXPECT_EQ(object.check_access(user(1000, 100), 0444).error().code(), EACCES);
}

TEST(IpcObject, OwnerChecksAndIpcSet)
{
    TestObject object;
    object.initialize(user(1000, 100), 1, 0600);
    EXPECT_EQ(object.check_owner(user(2000, 100)).error().code(), EPERM);
    EXPECT_FALSE(object.check_owner(root()).is_error());
    object.mode |= shm_dest_mode;
    object.set_owner(2000, 200, 0777 | shm_locked_mode);
    EXPECT_EQ(object.mode, 0777u | shm_dest_mode);
    // The creator keeps its rights after handing the object over.
    EXPECT_FALSE(object.check_owner(user(1000, 1)).is_error());
    auto perm = object.linux_perm();
    EXPECT_EQ(perm.uid, 2000u);
    EXPECT_EQ(perm.cuid, 1000u);
    EXPECT_EQ(perm.key, 1);
}

}
