#include <gtest/gtest.h>

#include <vector>

#include <lib/credentials.h>

namespace {

using lib::IdSet;
using lib::unchanged_id;

int error_of(ErrorOr<void> result) { return result.is_error() ? result.error().code() : 0; }

IdSet ids(uint32_t real, uint32_t effective, uint32_t saved)
{
    return IdSet { real, effective, saved, effective };
}

void expect_ids(IdSet const& set, uint32_t real, uint32_t effective, uint32_t saved, uint32_t filesystem)
{
    EXPECT_EQ(set.real, real);
    EXPECT_EQ(set.effective, effective);
    EXPECT_EQ(set.saved, saved);
    EXPECT_EQ(set.filesystem, filesystem);
}

TEST(Credentials, SetAsRootChangesEveryId)
{
    auto set = ids(0, 0, 0);
    EXPECT_EQ(error_of(set.set(1000, true)), 0);
    expect_ids(set, 1000, 1000, 1000, 1000);
    EXPECT_EQ(error_of(set.set(unchanged_id, true)), EINVAL);
}

TEST(Credentials, SetUnprivilegedOnlyToRealOrSaved)
{
    auto set = ids(1000, 1001, 1002);
    EXPECT_EQ(error_of(set.set(1003, false)), EPERM);
    EXPECT_EQ(error_of(set.set(1002, false)), 0);
    expect_ids(set, 1000, 1002, 1002, 1002);
    EXPECT_EQ(error_of(set.set(1000, false)), 0);
    expect_ids(set, 1000, 1000, 1002, 1000);
}

TEST(Credentials, SetReuidSavedIdRule)
{
    // Only the effective ID, back to the real one: the saved ID stays.
    auto set = ids(1000, 0, 0);
    EXPECT_EQ(error_of(set.set_real_effective(unchanged_id, 1000, true)), 0);
    expect_ids(set, 1000, 1000, 0, 1000);
    // ... and can be regained, unprivileged, from the saved ID.
    EXPECT_EQ(error_of(set.set_real_effective(unchanged_id, 0, false)), 0);
    expect_ids(set, 1000, 0, 0, 0);
    // The effective ID set to something other than the real one: the saved ID follows.
    set = ids(0, 0, 0);
    EXPECT_EQ(error_of(set.set_real_effective(unchanged_id, 1001, true)), 0);
    expect_ids(set, 0, 1001, 1001, 1001);
    // Setting the real ID: the saved ID follows the effective one.
    set = ids(1000, 1001, 1002);
    EXPECT_EQ(error_of(set.set_real_effective(1001, unchanged_id, false)), 0);
    expect_ids(set, 1001, 1001, 1001, 1001);
}

TEST(Credentials, SetReuidUnprivilegedChecks)
{
    auto set = ids(1000, 1001, 1002);
    // The real ID may become the effective one, not the saved one.
    EXPECT_EQ(error_of(set.set_real_effective(1002, unchanged_id, false)), EPERM);
    EXPECT_EQ(error_of(set.set_real_effective(unchanged_id, 1003, false)), EPERM);
    expect_ids(set, 1000, 1001, 1002, 1001);
    // A swap.
    EXPECT_EQ(error_of(set.set_real_effective(1001, 1000, false)), 0);
    expect_ids(set, 1001, 1000, 1000, 1000);
}

TEST(Credentials, SetResuid)
{
    auto set = ids(1000, 1001, 1002);
    EXPECT_EQ(error_of(set.set_real_effective_saved(1003, unchanged_id, unchanged_id, false)), EPERM);
    EXPECT_EQ(error_of(set.set_real_effective_saved(1002, 1000, 1001, false)), 0);
    expect_ids(set, 1002, 1000, 1001, 1000);
    EXPECT_EQ(error_of(set.set_real_effective_saved(unchanged_id, unchanged_id, unchanged_id, false)), 0);
    expect_ids(set, 1002, 1000, 1001, 1000);
    EXPECT_EQ(error_of(set.set_real_effective_saved(7, 8, 9, true)), 0);
    expect_ids(set, 7, 8, 9, 8);
}

TEST(Credentials, SetFilesystemReturnsPrevious)
{
    auto set = ids(1000, 1001, 1002);
    EXPECT_EQ(set.set_filesystem(1003, false), 1001u);
    EXPECT_EQ(set.filesystem, 1001u);
    EXPECT_EQ(set.set_filesystem(1002, false), 1001u);
    EXPECT_EQ(set.set_filesystem(unchanged_id, false), 1002u);
    EXPECT_EQ(set.set_filesystem(5, true), 1002u);
    EXPECT_EQ(set.filesystem, 5u);
}

TEST(Credentials, GroupsAreSortedAndCopied)
{
    lib::Credentials credentials;
    std::vector<uint32_t> list { 30, 10, 20, 10 };
    EXPECT_EQ(error_of(credentials.set_groups(list)), 0);
    std::vector<uint32_t> got(credentials.groups().begin(), credentials.groups().end());
    EXPECT_EQ(got, (std::vector<uint32_t> { 10, 10, 20, 30 }));
    credentials.user.real = 4;
    lib::Credentials copy;
    EXPECT_EQ(error_of(copy.copy_from(credentials)), 0);
    EXPECT_EQ(copy.user.real, 4u);
    EXPECT_EQ(copy.groups().size(), 4u);
    EXPECT_TRUE(copy.filesystem_identity().in_group(20));
    EXPECT_FALSE(copy.filesystem_identity().in_group(40));
    EXPECT_TRUE(copy.filesystem_identity().in_group(0));
}

TEST(Credentials, ExecOfSetUserIdFile)
{
    lib::Credentials credentials;
    credentials.user = ids(1000, 1000, 1000);
    credentials.group = ids(100, 100, 100);
    lib::apply_exec(credentials.user, credentials.group, true, 0, false, 50);
    expect_ids(credentials.user, 1000, 0, 0, 0);
    expect_ids(credentials.group, 100, 100, 100, 100);
    EXPECT_TRUE(credentials.is_privileged());
    credentials.user.set_filesystem(1000, true);
    lib::apply_exec(credentials.user, credentials.group, false, 0, true, 50);
    expect_ids(credentials.user, 1000, 0, 0, 0);
    expect_ids(credentials.group, 100, 50, 50, 50);
}

}
