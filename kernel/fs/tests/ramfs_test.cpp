#include "test_support.h"

using RamfsTest = FsTest;

TEST_F(RamfsTest, CreateWriteRead)
{
    write_file("/f", "hello, world");
    EXPECT_EQ(read_file("/f"), "hello, world");
    auto inode = MUST(resolve("/f"));
    EXPECT_EQ(inode->size(), 12u);
    EXPECT_EQ(inode->link_count(), 1u);
    EXPECT_EQ(inode->mode(), uint32_t(S_IFREG | 0644));
}

TEST_F(RamfsTest, UmaskAppliesToCreation)
{
    context().set_umask(077);
    MUST(open("/f", O_CREAT | O_WRONLY, 0666));
    EXPECT_EQ(MUST(resolve("/f"))->permissions(), 0600u);
    MUST(mkdir("/d", 01777));
    EXPECT_EQ(MUST(resolve("/d"))->permissions(), 01700u);
}

TEST_F(RamfsTest, MultiPageFilesAndGaps)
{
    std::string big(3 * 4096 + 123, '\0');
    for (size_t index = 0; index < big.size(); ++index)
        big[index] = char('a' + index % 26);
    write_file("/big", big);
    EXPECT_EQ(read_file("/big"), big);

    // A write past the end leaves a gap that reads as zeros and allocates nothing.
    auto description = MUST(open("/sparse", O_CREAT | O_RDWR));
    char byte = 'z';
    auto buffer = fs::IoBuffer::kernel(&byte, 1);
    EXPECT_EQ(MUST(description->pwrite(5 * 4096, buffer)), 1u);
    EXPECT_EQ(description->inode().size(), 5u * 4096 + 1);
    EXPECT_EQ(description->inode().allocated_blocks(), 8u);
    std::string contents = read_all(*description);
    EXPECT_EQ(contents.size(), 5u * 4096 + 1);
    EXPECT_EQ(contents.find_first_not_of('\0'), 5u * 4096);
}

TEST_F(RamfsTest, TruncateShrinksAndZeroFillsOnRegrowth)
{
    write_file("/f", "abcdefgh");
    auto inode = MUST(resolve("/f"));
    MUST(fs::truncate_inode(*inode, 3));
    EXPECT_EQ(read_file("/f"), "abc");
    MUST(fs::truncate_inode(*inode, 6));
    EXPECT_EQ(read_file("/f"), std::string("abc\0\0\0", 6));
    MUST(fs::truncate_inode(*inode, 0));
    EXPECT_EQ(inode->allocated_blocks(), 0u);
    EXPECT_EQ(error_of(fs::truncate_inode(*inode, -1)), EINVAL);
    EXPECT_EQ(error_of(fs::truncate_inode(root(), 0)), EISDIR);
}

// A shared mapping gets the file's own pages: what write(2) put there, and pages that the
// mapping then changes are what read(2) returns.
TEST_F(RamfsTest, SharedFramesAreTheFilesPages)
{
    write_file("/f", "shared");
    auto inode = MUST(resolve("/f"));
    EXPECT_TRUE(inode->has_shared_frames());
    auto* page = reinterpret_cast<char*>(MUST(inode->shared_frame(0)));
    EXPECT_EQ(std::string(page, 6), "shared");
    page[0] = 'S';
    EXPECT_EQ(read_file("/f"), "Shared");
    EXPECT_EQ(fake_platform::mapped_file_pages, 1u);
    // Past the end there is nothing to share; inside, an unwritten page is allocated zeroed.
    EXPECT_EQ(error_of(inode->shared_frame(4096)), EFAULT);
    MUST(fs::truncate_inode(*inode, 3 * 4096));
    EXPECT_EQ(inode->allocated_blocks(), 8u);
    auto* gap = reinterpret_cast<char*>(MUST(inode->shared_frame(2 * 4096 + 10)));
    EXPECT_EQ(gap[0], 0);
    EXPECT_EQ(inode->allocated_blocks(), 16u);
    gap[1] = 'g';
    EXPECT_EQ(read_file("/f")[2 * 4096 + 1], 'g');
    // Other inodes have no pages to share.
    EXPECT_FALSE(root().has_shared_frames());
    EXPECT_EQ(error_of(root().shared_frame(0)), ENODEV);
}

TEST_F(RamfsTest, OpenTruncAndAppend)
{
    write_file("/f", "0123456789");
    MUST(open("/f", O_RDONLY | O_TRUNC));
    EXPECT_EQ(read_file("/f"), "");
    write_file("/f", "abc");
    auto description = MUST(open("/f", O_WRONLY | O_APPEND));
    auto buffer = fs::IoBuffer::kernel("def", 3);
    MUST(description->write(buffer));
    // pwrite with O_APPEND appends on Linux.
    auto more = fs::IoBuffer::kernel("gh", 2);
    MUST(description->pwrite(0, more));
    EXPECT_EQ(read_file("/f"), "abcdefgh");
}

TEST_F(RamfsTest, AccessModesAreEnforced)
{
    write_file("/f", "data");
    char bytes[4];
    auto buffer = fs::IoBuffer::kernel(bytes, sizeof(bytes));
    auto write_only = MUST(open("/f", O_WRONLY));
    EXPECT_EQ(error_of(write_only->read(buffer)), EBADF);
    auto read_only = MUST(open("/f", O_RDONLY));
    EXPECT_EQ(error_of(read_only->write(buffer)), EBADF);
    auto path_only = MUST(open("/f", O_PATH | O_RDWR));
    EXPECT_EQ(error_of(path_only->read(buffer)), EBADF);
    EXPECT_EQ(error_of(path_only->write(buffer)), EBADF);
    auto neither = MUST(open("/f", O_ACCMODE));
    EXPECT_EQ(error_of(neither->read(buffer)), EBADF);
}

TEST_F(RamfsTest, OpenErrors)
{
    MUST(mkdir("/d"));
    write_file("/f", "x");
    MUST(symlink("/f", "/link"));
    EXPECT_EQ(error_of(open("/missing", O_RDONLY)), ENOENT);
    EXPECT_EQ(error_of(open("/f", O_CREAT | O_EXCL | O_WRONLY)), EEXIST);
    EXPECT_EQ(error_of(open("/link", O_CREAT | O_EXCL | O_WRONLY)), EEXIST);
    EXPECT_EQ(error_of(open("/d", O_WRONLY)), EISDIR);
    EXPECT_EQ(error_of(open("/d", O_RDWR)), EISDIR);
    EXPECT_EQ(error_of(open("/d", O_RDONLY | O_TRUNC)), EISDIR);
    EXPECT_EQ(error_of(open("/d", O_CREAT | O_RDONLY)), EISDIR);
    EXPECT_EQ(error_of(open("/new/", O_CREAT | O_WRONLY)), EISDIR);
    EXPECT_EQ(error_of(open(".", O_CREAT | O_RDONLY)), EISDIR);
    EXPECT_EQ(error_of(open("/f", O_DIRECTORY)), ENOTDIR);
    EXPECT_EQ(error_of(open("/f/", O_RDONLY)), ENOTDIR);
    EXPECT_EQ(error_of(open("/link", O_NOFOLLOW | O_RDONLY)), ELOOP);
    EXPECT_EQ(error_of(open("/link", O_NOFOLLOW | O_DIRECTORY)), ENOTDIR);
    EXPECT_EQ(error_of(open("/d", O_TMPFILE | O_RDWR)), EOPNOTSUPP);
    EXPECT_EQ(error_of(open("/d", O_TMPFILE | O_RDONLY)), EINVAL);
    EXPECT_TRUE(MUST(open("/d", O_DIRECTORY | O_RDONLY))->inode().is_directory());
    // O_PATH|O_NOFOLLOW opens the symlink itself.
    EXPECT_TRUE(MUST(open("/link", O_PATH | O_NOFOLLOW))->inode().is_symlink());
}

TEST_F(RamfsTest, CreateThroughDanglingSymlinkCreatesTarget)
{
    MUST(symlink("target", "/link"));
    MUST(open("/link", O_CREAT | O_WRONLY));
    EXPECT_TRUE(MUST(resolve("/target"))->is_regular_file());
    EXPECT_EQ(error_of(open("/link2-nofollow", O_CREAT | O_WRONLY | O_NOFOLLOW)), 0);
}

TEST_F(RamfsTest, StatusFlagsAsGetflReportsThem)
{
    auto description = MUST(open("/f", O_CREAT | O_EXCL | O_RDWR | O_APPEND | O_CLOEXEC | O_TRUNC));
    EXPECT_EQ(description->flags(), O_RDWR | O_APPEND | fs::linux_o_largefile);
    description->set_status_flags(O_NONBLOCK | O_WRONLY);
    EXPECT_EQ(description->flags(), O_RDWR | O_NONBLOCK | fs::linux_o_largefile);
}

TEST_F(RamfsTest, UnlinkedFileStaysReadableThroughItsDescription)
{
    write_file("/f", "still here");
    auto description = MUST(open("/f", O_RDWR));
    MUST(unlink("/f"));
    EXPECT_EQ(error_of(resolve("/f")), ENOENT);
    EXPECT_EQ(description->inode().link_count(), 0u);
    EXPECT_EQ(read_all(*description), "still here");
    auto buffer = fs::IoBuffer::kernel("!", 1);
    EXPECT_EQ(MUST(description->write(buffer)), 1u);
    // A file with no names left cannot get one back.
    EXPECT_EQ(error_of(fs::make_link(context(), description->inode(), "", root(), "/again", fs::Follow::No, true)), ENOENT);
}

TEST_F(RamfsTest, UnlinkErrors)
{
    MUST(mkdir("/d"));
    write_file("/f", "x");
    EXPECT_EQ(error_of(unlink("/d")), EISDIR);
    EXPECT_EQ(error_of(unlink("/d/")), EISDIR);
    EXPECT_EQ(error_of(unlink("/f/")), ENOTDIR);
    EXPECT_EQ(error_of(unlink("/missing")), ENOENT);
    EXPECT_EQ(error_of(unlink("/missing/")), ENOENT);
    EXPECT_EQ(error_of(unlink(".")), EISDIR);
    EXPECT_EQ(error_of(unlink("/")), EISDIR);
}

TEST_F(RamfsTest, MkdirRmdirRules)
{
    MUST(mkdir("/d/"));
    EXPECT_EQ(root().link_count(), 3u);
    EXPECT_EQ(MUST(resolve("/d"))->link_count(), 2u);
    EXPECT_EQ(error_of(mkdir("/d")), EEXIST);
    EXPECT_EQ(error_of(mkdir("/")), EEXIST);
    EXPECT_EQ(error_of(mkdir("/d/.")), EEXIST);
    EXPECT_EQ(error_of(mkdir("/missing/x")), ENOENT);
    MUST(mkdir("/d/sub"));
    EXPECT_EQ(MUST(resolve("/d"))->link_count(), 3u);
    EXPECT_EQ(error_of(rmdir("/d")), ENOTEMPTY);
    EXPECT_EQ(error_of(rmdir("/d/sub/.")), EINVAL);
    EXPECT_EQ(error_of(rmdir("/d/sub/..")), ENOTEMPTY);
    EXPECT_EQ(error_of(rmdir("/")), EBUSY);
    write_file("/f", "x");
    EXPECT_EQ(error_of(rmdir("/f")), ENOTDIR);
    MUST(symlink("/d", "/dlink"));
    EXPECT_EQ(error_of(rmdir("/dlink")), ENOTDIR);
    MUST(rmdir("/d/sub/"));
    MUST(rmdir("/d"));
    EXPECT_EQ(root().link_count(), 2u);
}

TEST_F(RamfsTest, SymlinkAndLinkRules)
{
    write_file("/f", "x");
    MUST(mkdir("/d"));
    EXPECT_EQ(error_of(symlink("", "/empty")), ENOENT);
    EXPECT_EQ(error_of(symlink("x", "/f")), EEXIST);
    EXPECT_EQ(error_of(symlink("x", "/new/")), ENOENT);
    EXPECT_EQ(error_of(symlink("x", "/f/")), EEXIST);
    MUST(symlink("f", "/s"));
    EXPECT_EQ(MUST(resolve("/s", fs::Follow::No))->size(), 1u);

    auto link = [&](std::string_view from, std::string_view to, fs::Follow follow = fs::Follow::No) {
        return fs::make_link(context(), root(), from, root(), to, follow);
    };
    MUST(link("/f", "/f2"));
    EXPECT_EQ(MUST(resolve("/f"))->link_count(), 2u);
    EXPECT_EQ(MUST(resolve("/f2")), MUST(resolve("/f")));
    EXPECT_EQ(error_of(link("/d", "/d2")), EPERM);
    EXPECT_EQ(error_of(link("/f", "/f2")), EEXIST);
    EXPECT_EQ(error_of(link("/missing", "/x")), ENOENT);
    // link() does not follow a symlink; linkat(AT_SYMLINK_FOLLOW) does.
    MUST(link("/s", "/s2"));
    EXPECT_TRUE(MUST(resolve("/s2", fs::Follow::No))->is_symlink());
    MUST(link("/s", "/f3", fs::Follow::Yes));
    EXPECT_EQ(MUST(resolve("/f3", fs::Follow::No)), MUST(resolve("/f")));
}

TEST_F(RamfsTest, RenameFiles)
{
    write_file("/a", "A");
    write_file("/b", "B");
    auto a = MUST(resolve("/a"));
    MUST(rename("/a", "/b"));
    EXPECT_EQ(error_of(resolve("/a")), ENOENT);
    EXPECT_EQ(MUST(resolve("/b")), a);
    EXPECT_EQ(read_file("/b"), "A");
    EXPECT_EQ(a->link_count(), 1u);

    write_file("/c", "C");
    EXPECT_EQ(error_of(rename("/c", "/b", RENAME_NOREPLACE)), EEXIST);
    EXPECT_EQ(error_of(rename("/c", "/b", RENAME_EXCHANGE)), EINVAL);
    EXPECT_EQ(error_of(rename("/c", "/b", RENAME_NOREPLACE | RENAME_EXCHANGE)), EINVAL);
    MUST(rename("/c", "/fresh", RENAME_NOREPLACE));
    EXPECT_EQ(error_of(rename("/missing", "/x")), ENOENT);
    EXPECT_EQ(error_of(rename("/fresh/", "/x")), ENOTDIR);
    EXPECT_EQ(error_of(rename("/fresh", "/x/")), ENOTDIR);
    EXPECT_EQ(error_of(rename(".", "/x")), EBUSY);
    EXPECT_EQ(error_of(rename("/fresh", "/")), EBUSY);
    // Two names of one file: nothing happens.
    MUST(fs::make_link(context(), root(), "/b", root(), "/b2", fs::Follow::No));
    MUST(rename("/b", "/b2"));
    EXPECT_TRUE(MUST(resolve("/b"))->is_regular_file());
}

TEST_F(RamfsTest, RenameDirectories)
{
    MUST(mkdir("/d"));
    MUST(mkdir("/d/sub"));
    MUST(mkdir("/empty"));
    MUST(mkdir("/full"));
    write_file("/full/x", "x");
    write_file("/f", "x");
    EXPECT_EQ(error_of(rename("/d", "/d/sub/inside")), EINVAL);
    EXPECT_EQ(error_of(rename("/d", "/d")), 0);
    EXPECT_EQ(error_of(rename("/d", "/f")), ENOTDIR);
    EXPECT_EQ(error_of(rename("/f", "/empty")), EISDIR);
    EXPECT_EQ(error_of(rename("/d", "/full")), ENOTEMPTY);
    EXPECT_EQ(error_of(rename("/d/sub", "/d/..")), EBUSY);

    auto d = MUST(resolve("/d"));
    MUST(rename("/d/", "/empty/"));
    EXPECT_EQ(MUST(resolve("/empty")), d);
    EXPECT_EQ(MUST(resolve("/empty/sub/..")), d);
    // root: itself, "..", and "full" and "empty".
    EXPECT_EQ(root().link_count(), 4u);

    MUST(mkdir("/other"));
    MUST(rename("/empty/sub", "/other/sub"));
    EXPECT_EQ(MUST(resolve("/other/sub/..")), MUST(resolve("/other")));
    EXPECT_EQ(MUST(resolve("/other"))->link_count(), 3u);
    EXPECT_EQ(d->link_count(), 2u);
}

TEST_F(RamfsTest, AccessForRoot)
{
    write_file("/plain", "x");
    auto plain = MUST(resolve("/plain"));
    EXPECT_EQ(error_of(fs::check_access(*plain, R_OK | W_OK)), 0);
    EXPECT_EQ(error_of(fs::check_access(*plain, X_OK)), EACCES);
    EXPECT_EQ(error_of(fs::check_executable(*plain)), EACCES);
    plain->set_permissions(0001);
    EXPECT_EQ(error_of(fs::check_access(*plain, X_OK)), 0);
    EXPECT_EQ(error_of(fs::check_executable(*plain)), 0);
    root().set_permissions(0);
    EXPECT_EQ(error_of(fs::check_access(root(), X_OK | R_OK)), 0);
    EXPECT_EQ(error_of(fs::check_executable(root())), EACCES);
    EXPECT_EQ(error_of(fs::check_access(root(), 8)), EINVAL);
}

TEST_F(RamfsTest, OwnershipClearsSetIdBits)
{
    write_file("/f", "x");
    auto inode = MUST(resolve("/f"));
    inode->set_permissions(06755);
    inode->set_owner(1000, 1000);
    EXPECT_EQ(inode->uid(), 1000u);
    EXPECT_EQ(inode->permissions(), 0755u);
}

TEST_F(RamfsTest, TimesFollowTheClock)
{
    fake_platform::realtime = 5'000'000'123ull;
    write_file("/f", "x");
    auto inode = MUST(resolve("/f"));
    EXPECT_EQ(inode->modification_time().seconds, 5);
    EXPECT_EQ(inode->modification_time().nanoseconds, 123);
    fs::Timespec times[2] = { { 10, 0 }, { 0, UTIME_OMIT } };
    MUST(fs::set_times(*inode, times));
    EXPECT_EQ(inode->access_time().seconds, 10);
    EXPECT_EQ(inode->modification_time().seconds, 5);
    fs::Timespec bad[2] = { { 0, 1'000'000'000 }, { 0, 0 } };
    EXPECT_EQ(error_of(fs::set_times(*inode, bad)), EINVAL);
    fake_platform::realtime = 9'000'000'000ull;
    MUST(fs::set_times(*inode, nullptr));
    EXPECT_EQ(inode->access_time().seconds, 9);
    EXPECT_EQ(inode->modification_time().seconds, 9);
}

TEST_F(RamfsTest, StatLayout)
{
    write_file("/f", "12345");
    auto inode = MUST(resolve("/f"));
    fs::LinuxStat stat;
    inode->fill_stat(stat);
    EXPECT_EQ(stat.st_size, 5);
    EXPECT_EQ(stat.st_mode, uint32_t(S_IFREG | 0644));
    EXPECT_EQ(stat.st_nlink, 1u);
    EXPECT_EQ(stat.st_blksize, 4096);
    EXPECT_EQ(stat.st_blocks, 8);
    EXPECT_EQ(stat.st_ino, inode->number());
    fs::LinuxStatx statx;
    inode->fill_statx(statx);
    EXPECT_EQ(statx.stx_size, 5u);
    EXPECT_EQ(statx.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
    fs::LinuxStatfs statfs;
    inode->file_system().fill_statfs(statfs);
    EXPECT_EQ(uint64_t(statfs.f_type), 0x858458f6u);
    EXPECT_EQ(statfs.f_namelen, 255);
}

TEST_F(RamfsTest, SeekRules)
{
    write_file("/f", "0123456789");
    auto description = MUST(open("/f", O_RDONLY));
    EXPECT_EQ(MUST(description->seek(3, SEEK_SET)), 3u);
    EXPECT_EQ(MUST(description->seek(2, SEEK_CUR)), 5u);
    EXPECT_EQ(MUST(description->seek(-1, SEEK_END)), 9u);
    EXPECT_EQ(MUST(description->seek(100, SEEK_SET)), 100u);
    EXPECT_EQ(error_of(description->seek(-200, SEEK_CUR)), EINVAL);
    EXPECT_EQ(error_of(description->seek(0, 42)), EINVAL);
    EXPECT_EQ(MUST(description->seek(4, SEEK_DATA)), 4u);
    EXPECT_EQ(MUST(description->seek(4, SEEK_HOLE)), 10u);
    EXPECT_EQ(error_of(description->seek(10, SEEK_DATA)), ENXIO);
    char byte;
    auto buffer = fs::IoBuffer::kernel(&byte, 1);
    MUST(description->seek(7, SEEK_SET));
    EXPECT_EQ(MUST(description->read(buffer)), 1u);
    EXPECT_EQ(byte, '7');
    EXPECT_EQ(description->offset(), 8u);
    EXPECT_EQ(error_of(description->pread(uint64_t(-1), buffer)), EINVAL);
}
