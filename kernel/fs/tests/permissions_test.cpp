#include <fs/permissions.h>

#include "fake_procfs.h"
#include "test_support.h"

// File permissions for a caller other than root: the class of bits that applies, search
// permission along a path, creating and removing names, the sticky bit and new files' owners.
class PermissionsTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        MUST(mkdir("/root_only", 0700));
        MUST(mkdir("/shared", 0755));
        auto file = MUST(open("/shared/secret", O_CREAT | O_WRONLY, 0600));
        file = MUST(open("/shared/public", O_CREAT | O_WRONLY, 0644));
        MUST(mkdir("/tmp", 0777));
        MUST(resolve("/tmp"))->set_permissions(01777);
        m_user.user = { 1000, 1000, 1000, 1000 };
        m_user.group = { 100, 100, 100, 100 };
    }
    void TearDown() override
    {
        fake_procfs::credentials = nullptr;
        FsTest::TearDown();
    }
    void become_user() { fake_procfs::credentials = &m_user; }
    void become_root() { fake_procfs::credentials = nullptr; }

    lib::Credentials m_user;
};

TEST_F(PermissionsTest, RootPassesReadAndWriteChecks)
{
    EXPECT_EQ(error_of(open("/shared/secret", O_RDWR)), 0);
    EXPECT_EQ(error_of(fs::check_access(*MUST(resolve("/shared/secret")), X_OK)), EACCES);
}

TEST_F(PermissionsTest, OwnerGroupAndOtherBits)
{
    become_user();
    EXPECT_EQ(error_of(open("/shared/secret", O_RDONLY)), EACCES);
    EXPECT_EQ(error_of(open("/shared/public", O_RDONLY)), 0);
    EXPECT_EQ(error_of(open("/shared/public", O_WRONLY)), EACCES);
    auto file = MUST(resolve("/shared/secret"));
    // The group's bits apply to a member of the file's group, through supplementary groups too.
    file->set_creator(0, 50);
    file->set_permissions(0640);
    EXPECT_EQ(error_of(open("/shared/secret", O_RDONLY)), EACCES);
    uint32_t groups[] { 50 };
    MUST(m_user.set_groups(groups));
    EXPECT_EQ(error_of(open("/shared/secret", O_RDONLY)), 0);
    // The owner's bits decide for the owner even when others may do more.
    file->set_creator(1000, 50);
    file->set_permissions(0066);
    EXPECT_EQ(error_of(open("/shared/secret", O_RDONLY)), EACCES);
}

TEST_F(PermissionsTest, SearchPermissionAlongThePath)
{
    become_root();
    auto file = MUST(open("/root_only/file", O_CREAT | O_WRONLY, 0644));
    become_user();
    EXPECT_EQ(error_of(resolve("/root_only/file")), EACCES);
    EXPECT_EQ(error_of(resolve("/root_only")), 0);
    EXPECT_EQ(error_of(fs::change_directory(context(), MUST(resolve("/root_only")))), EACCES);
}

TEST_F(PermissionsTest, CreatingNeedsWriteOnTheDirectory)
{
    become_user();
    EXPECT_EQ(error_of(open("/shared/new", O_CREAT | O_WRONLY)), EACCES);
    EXPECT_EQ(error_of(mkdir("/shared/dir")), EACCES);
    EXPECT_EQ(error_of(unlink("/shared/public")), EACCES);
    // A file created read-only still opens for writing in the call that creates it.
    auto file = MUST(open("/tmp/mine", O_CREAT | O_RDWR, 0400));
    auto mine = MUST(resolve("/tmp/mine"));
    EXPECT_EQ(mine->uid(), 1000u);
    EXPECT_EQ(mine->gid(), 100u);
    EXPECT_EQ(error_of(open("/tmp/mine", O_RDWR)), EACCES);
}

TEST_F(PermissionsTest, StickyDirectoryKeepsOthersFiles)
{
    auto file = MUST(open("/tmp/roots", O_CREAT | O_WRONLY, 0666));
    become_user();
    EXPECT_EQ(error_of(unlink("/tmp/roots")), EPERM);
    EXPECT_EQ(error_of(rename("/tmp/roots", "/tmp/taken")), EPERM);
    file = MUST(open("/tmp/mine", O_CREAT | O_WRONLY, 0644));
    EXPECT_EQ(error_of(rename("/tmp/mine", "/tmp/moved")), 0);
    EXPECT_EQ(error_of(unlink("/tmp/moved")), 0);
    become_root();
    EXPECT_EQ(error_of(unlink("/tmp/roots")), 0);
}

TEST_F(PermissionsTest, SetGroupIdDirectoryGivesItsGroup)
{
    auto directory = MUST(resolve("/tmp"));
    MUST(mkdir("/tmp/project", 0777));
    auto project = MUST(resolve("/tmp/project"));
    project->set_creator(0, 77);
    project->set_permissions(02777);
    become_user();
    MUST(mkdir("/tmp/project/sub", 0755));
    auto sub = MUST(resolve("/tmp/project/sub"));
    EXPECT_EQ(sub->uid(), 1000u);
    EXPECT_EQ(sub->gid(), 77u);
    EXPECT_TRUE(sub->permissions() & S_ISGID);
}

TEST_F(PermissionsTest, AccessUsesTheIdentityItIsGiven)
{
    m_user.user.filesystem = 0; // as after setfsuid(0) by a set-user-ID root program
    become_user();
    auto secret = MUST(resolve("/shared/secret"));
    EXPECT_EQ(error_of(fs::check_access(*secret, R_OK)), 0);
    EXPECT_EQ(error_of(fs::check_access(*secret, R_OK, m_user.real_identity())), EACCES);
}
