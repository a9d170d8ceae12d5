#pragma once

#include <string_view>

#include <fs/devfs.h>
#include <fs/fd_table.h>
#include <fs/fs_context.h>
#include <fs/initrd.h>
#include <fs/open_file_description.h>
#include <fs/ramfs.h>
#include <fs/vfs.h>
#include <lib/string.h>

// Everything the rest of the kernel uses, and path helpers for the ELF loader and process code.
namespace fs {

// Opens a path for the kernel (the ELF loader, mmap of a file) with open(2)'s rules and flags.
// Relative paths start at the context's working directory.
ErrorOr<RefPtr<OpenFileDescription>> open_path(FsContext const&, std::string_view path, int flags);
ErrorOr<RefPtr<OpenFileDescription>> open_path(std::string_view absolute_path, int flags);
ErrorOr<RefPtr<Inode>> lookup_path(FsContext const&, std::string_view path, Follow = Follow::Yes);
// Removes a name (not a directory), e.g. /.unifork/launch once the kernel has read it.
ErrorOr<void> unlink_path(std::string_view absolute_path);
// getcwd(2)'s answer for a context.
ErrorOr<String> current_directory_path(FsContext const&);

}
