#pragma once

#include <cstdint>
#include <span>

#include <fs/ramfs.h>

namespace fs {

// Unpacks a cpio archive in the "newc" format ("070701"; "070702" too, its checksum unchecked)
// into `root`: directories, regular files (hard links included) and symlinks, with their
// modes, owners and modification times; missing parent directories are created. Names may
// start with "./" or "/"; "." itself is skipped. Device nodes, FIFOs and sockets are skipped.
// Several archives may follow one another, with zero padding between them, as in Linux's
// initramfs. A malformed archive gives EINVAL and points `reason` at a sentence saying what is
// wrong; nothing is ever read outside `archive`. Entries before the bad one stay unpacked.
ErrorOr<void> unpack_cpio(RamDirectory& root, std::span<uint8_t const> archive, char const** reason);

}
