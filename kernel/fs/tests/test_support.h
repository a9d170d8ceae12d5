#pragma once

#include <cstring>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include <fs/fs.h>

#include "fake_platform.h"

// A fresh ramfs with a context rooted at it, and short ways to say common things.
class FsTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        fake_platform::reset();
        m_file_system = MUST(fs::RamFileSystem::create());
        m_context = MUST(fs::FsContext::create(m_file_system->root()));
    }
    void TearDown() override
    {
        m_context = nullptr;
        m_file_system.clear();
    }

    fs::RamDirectory& root() { return m_file_system->root(); }
    fs::FsContext& context() { return *m_context; }

    int error_of(ErrorOr<void> result) { return result.is_error() ? result.error().code() : 0; }
    template<typename T>
    int error_of(ErrorOr<T> const& result) { return result.is_error() ? result.error().code() : 0; }

    ErrorOr<RefPtr<fs::Inode>> resolve(std::string_view path, fs::Follow follow = fs::Follow::Yes)
    {
        return fs::resolve_path(context(), context().cwd(), path, follow);
    }
    ErrorOr<RefPtr<fs::OpenFileDescription>> open(std::string_view path, int flags, uint32_t mode = 0644)
    {
        return fs::open(context(), context().cwd(), path, flags, mode);
    }
    ErrorOr<void> mkdir(std::string_view path, uint32_t mode = 0755) { return fs::make_directory(context(), context().cwd(), path, mode); }
    ErrorOr<void> symlink(std::string_view target, std::string_view path) { return fs::make_symlink(context(), target, context().cwd(), path); }
    ErrorOr<void> unlink(std::string_view path) { return fs::unlink(context(), context().cwd(), path); }
    ErrorOr<void> rmdir(std::string_view path) { return fs::remove_directory(context(), context().cwd(), path); }
    ErrorOr<void> rename(std::string_view from, std::string_view to, unsigned flags = 0)
    {
        return fs::rename(context(), context().cwd(), from, context().cwd(), to, flags);
    }

    // Creates a file with `contents`.
    void write_file(std::string_view path, std::string_view contents)
    {
        auto description = MUST(open(path, O_CREAT | O_WRONLY | O_TRUNC));
        auto buffer = fs::IoBuffer::kernel(contents.data(), contents.size());
        EXPECT_EQ(MUST(description->write(buffer)), contents.size());
    }
    std::string read_all(fs::OpenFileDescription& description)
    {
        std::string result;
        char chunk[1000];
        while (true) {
            auto buffer = fs::IoBuffer::kernel(chunk, sizeof(chunk));
            size_t count = MUST(description.read(buffer));
            if (count == 0)
                return result;
            result.append(chunk, count);
        }
    }
    std::string read_file(std::string_view path) { return read_all(*MUST(open(path, O_RDONLY))); }

    OwnPtr<fs::RamFileSystem> m_file_system;
    RefPtr<fs::FsContext> m_context;
};
