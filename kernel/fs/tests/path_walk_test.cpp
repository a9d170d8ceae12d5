#include "test_support.h"

class PathWalkTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        // /a/b/file, /a/link-to-b -> b, /a/abs -> /a/b, /loop1 <-> /loop2, /dangling -> nowhere
        MUST(mkdir("/a"));
        MUST(mkdir("/a/b"));
        write_file("/a/b/file", "hello");
        MUST(symlink("b", "/a/link-to-b"));
        MUST(symlink("/a/b", "/a/abs"));
        MUST(symlink("/a/b/file", "/file-link"));
        MUST(symlink("loop2", "/loop1"));
        MUST(symlink("loop1", "/loop2"));
        MUST(symlink("nowhere", "/dangling"));
    }
};

TEST_F(PathWalkTest, AbsoluteAndRelative)
{
    auto file = MUST(resolve("/a/b/file"));
    EXPECT_TRUE(file->is_regular_file());
    context().set_cwd(static_cast<fs::Directory*>(MUST(resolve("/a")).ptr()));
    EXPECT_EQ(MUST(resolve("b/file")), file);
    EXPECT_EQ(MUST(resolve("./b/./file")), file);
}

TEST_F(PathWalkTest, DotDotStopsAtRoot)
{
    EXPECT_EQ(MUST(resolve("/..")).ptr(), &root());
    EXPECT_EQ(MUST(resolve("/../../..")).ptr(), &root());
    EXPECT_EQ(MUST(resolve("/a/b/../..")).ptr(), &root());
    EXPECT_EQ(MUST(resolve("/a/b/..")), MUST(resolve("/a")));
    EXPECT_EQ(MUST(resolve("/../a/b/file")), MUST(resolve("/a/b/file")));
}

TEST_F(PathWalkTest, RepeatedAndTrailingSlashes)
{
    EXPECT_EQ(MUST(resolve("//a///b//file")), MUST(resolve("/a/b/file")));
    EXPECT_EQ(MUST(resolve("/a/b/")), MUST(resolve("/a/b")));
    EXPECT_EQ(MUST(resolve("///")).ptr(), &root());
    EXPECT_EQ(error_of(resolve("/a/b/file/")), ENOTDIR);
    EXPECT_EQ(error_of(resolve("/a/b/file/.")), ENOTDIR);
    EXPECT_EQ(error_of(resolve("/a/b/file/x")), ENOTDIR);
}

TEST_F(PathWalkTest, MissingComponents)
{
    EXPECT_EQ(error_of(resolve("/missing")), ENOENT);
    EXPECT_EQ(error_of(resolve("/missing/x")), ENOENT);
    EXPECT_EQ(error_of(resolve("")), ENOENT);
    EXPECT_EQ(error_of(resolve("/dangling")), ENOENT);
    EXPECT_TRUE(MUST(resolve("/dangling", fs::Follow::No))->is_symlink());
}

TEST_F(PathWalkTest, Symlinks)
{
    auto b = MUST(resolve("/a/b"));
    EXPECT_EQ(MUST(resolve("/a/link-to-b")), b);
    EXPECT_EQ(MUST(resolve("/a/abs")), b);
    EXPECT_EQ(MUST(resolve("/a/link-to-b/file")), MUST(resolve("/a/b/file")));
    EXPECT_EQ(MUST(resolve("/a/abs/../b/file")), MUST(resolve("/a/b/file")));
    EXPECT_TRUE(MUST(resolve("/a/link-to-b", fs::Follow::No))->is_symlink());
    // A trailing slash follows even when the caller does not.
    EXPECT_EQ(MUST(resolve("/a/link-to-b/", fs::Follow::No)), b);
    EXPECT_EQ(error_of(resolve("/file-link/")), ENOTDIR);
    EXPECT_TRUE(MUST(resolve("/file-link"))->is_regular_file());
}

TEST_F(PathWalkTest, SymlinkLoopsAreEloop)
{
    EXPECT_EQ(error_of(resolve("/loop1")), ELOOP);
    EXPECT_EQ(error_of(resolve("/loop1/x")), ELOOP);
    EXPECT_TRUE(MUST(resolve("/loop1", fs::Follow::No))->is_symlink());
}

TEST_F(PathWalkTest, FortyLinksFollowFortyOneDoNot)
{
    // /chain0 -> chain1 -> ... -> chain39 -> /a/b: forty links.
    char name[32], target[32];
    for (int index = 0; index < 40; ++index) {
        snprintf(name, sizeof(name), "/chain%d", index);
        snprintf(target, sizeof(target), index == 39 ? "/a/b" : "chain%d", index + 1);
        MUST(symlink(target, name));
    }
    EXPECT_EQ(MUST(resolve("/chain0")), MUST(resolve("/a/b")));
    MUST(symlink("chain0", "/chain-extra"));
    EXPECT_EQ(error_of(resolve("/chain-extra")), ELOOP);
}

TEST_F(PathWalkTest, NameAndPathLimits)
{
    std::string long_name(256, 'x');
    EXPECT_EQ(error_of(resolve("/" + long_name)), ENAMETOOLONG);
    EXPECT_EQ(error_of(mkdir("/" + long_name)), ENAMETOOLONG);
    std::string longest_name(255, 'y');
    MUST(mkdir("/" + longest_name));
    EXPECT_TRUE(MUST(resolve("/" + longest_name))->is_directory());
    std::string long_path;
    while (long_path.size() < 4096)
        long_path += "/a";
    EXPECT_EQ(error_of(resolve(long_path)), ENAMETOOLONG);
}

TEST_F(PathWalkTest, RelativePathFromNonDirectoryBase)
{
    auto file = MUST(resolve("/a/b/file"));
    EXPECT_EQ(error_of(fs::resolve_path(context(), *file, "x", fs::Follow::Yes)), ENOTDIR);
    EXPECT_EQ(MUST(fs::resolve_path(context(), *file, "/a/b/file", fs::Follow::Yes)), file);
    EXPECT_EQ(MUST(fs::resolve_path(context(), *file, "", fs::Follow::Yes, true)), file);
}

TEST_F(PathWalkTest, RemovedWorkingDirectory)
{
    MUST(mkdir("/gone"));
    context().set_cwd(static_cast<fs::Directory*>(MUST(resolve("/gone")).ptr()));
    MUST(rmdir("/gone"));
    EXPECT_EQ(error_of(resolve("x")), ENOENT);
    // Linux keeps a removed directory's parent, so ".." still leads out.
    EXPECT_EQ(MUST(resolve("..")).ptr(), &root());
    EXPECT_TRUE(MUST(resolve("."))->is_directory());
    EXPECT_EQ(error_of(open("new", O_CREAT | O_WRONLY)), ENOENT);
    EXPECT_EQ(error_of(fs::absolute_path_of(context(), context().cwd())), ENOENT);
}

TEST_F(PathWalkTest, AbsolutePathOf)
{
    context().set_cwd(static_cast<fs::Directory*>(MUST(resolve("/a/b")).ptr()));
    EXPECT_EQ(MUST(fs::absolute_path_of(context(), context().cwd())).view(), "/a/b");
    EXPECT_EQ(MUST(fs::absolute_path_of(context(), root())).view(), "/");
    MUST(rename("/a", "/renamed"));
    EXPECT_EQ(MUST(fs::absolute_path_of(context(), context().cwd())).view(), "/renamed/b");
}
