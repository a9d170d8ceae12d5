#include <fs/cpio.h>
#include <fs/io_buffer.h>

namespace fs {

namespace {

constexpr size_t header_size = 110;
constexpr size_t field_count = 13;

// Field order of the newc header after the six-byte magic.
enum Field {
    InodeNumber,
    Mode,
    Uid,
    Gid,
    LinkCount,
    ModificationTime,
    FileSize,
    DeviceMajor,
    DeviceMinor,
    RdevMajor,
    RdevMinor,
    NameSize,
    Checksum,
};

struct HardLink {
    uint32_t inode_number;
    uint32_t device_major;
    uint32_t device_minor;
    RefPtr<Inode> inode;
};

struct DirectoryTime {
    RefPtr<Inode> directory;
    int64_t modification_time;
};

class Unpacker {
public:
    Unpacker(RamDirectory& root, std::span<uint8_t const> archive, char const** reason)
        : m_root(root)
        , m_archive(archive)
        , m_reason(reason)
    {
    }

    ErrorOr<void> run();

private:
    Error malformed(char const* reason)
    {
        if (m_reason)
            *m_reason = reason;
        return Error(EINVAL);
    }
    Error failed(Error error, char const* reason)
    {
        if (m_reason)
            *m_reason = reason;
        return error;
    }
    size_t remaining() const { return m_archive.size() - m_position; }
    // Moves past padding to a multiple of four; false if that runs off the end.
    bool align()
    {
        size_t padding = (4 - m_position % 4) % 4;
        if (padding > remaining())
            return false;
        m_position += padding;
        return true;
    }
    ErrorOr<void> unpack_entry(uint32_t const (&fields)[field_count], std::string_view name, std::span<uint8_t const> data);
    ErrorOr<RefPtr<RamDirectory>> make_parents(std::string_view& name);

    RamDirectory& m_root;
    std::span<uint8_t const> m_archive;
    char const** m_reason;
    size_t m_position { 0 };
    Vector<HardLink> m_hard_links;
    Vector<DirectoryTime> m_directory_times;
};

bool parse_hex(uint8_t const* text, uint32_t& value)
{
    value = 0;
    for (size_t index = 0; index < 8; ++index) {
        uint8_t character = text[index];
        uint32_t digit;
        if (character >= '0' && character <= '9')
            digit = character - '0';
        else if (character >= 'a' && character <= 'f')
            digit = character - 'a' + 10;
        else if (character >= 'A' && character <= 'F')
            digit = character - 'A' + 10;
        else
            return false;
        value = value << 4 | digit;
    }
    return true;
}

ErrorOr<void> Unpacker::run()
{
    bool saw_trailer = false;
    while (m_position < m_archive.size()) {
        // Between concatenated archives there may be zero padding, as the kernel allows.
        if (saw_trailer && m_archive[m_position] == 0) {
            ++m_position;
            continue;
        }
        saw_trailer = false;
        if (remaining() < header_size)
            return malformed("cpio: truncated header");
        uint8_t const* header = m_archive.data() + m_position;
        std::string_view magic(reinterpret_cast<char const*>(header), 6);
        if (magic != "070701" && magic != "070702")
            return malformed("cpio: bad magic (only the newc format, 070701 or 070702, is supported)");
        uint32_t fields[field_count];
        for (size_t index = 0; index < field_count; ++index) {
            if (!parse_hex(header + 6 + index * 8, fields[index]))
                return malformed("cpio: header field is not eight hexadecimal digits");
        }
        m_position += header_size;

        uint32_t name_size = fields[NameSize];
        if (name_size == 0)
            return malformed("cpio: entry with an empty name");
        if (name_size > remaining())
            return malformed("cpio: truncated name");
        std::string_view name(reinterpret_cast<char const*>(m_archive.data() + m_position), name_size);
        if (name.back() != '\0' || name.find('\0') != name_size - 1)
            return malformed("cpio: name is not NUL-terminated where its size says");
        name.remove_suffix(1);
        if (name.size() >= path_max)
            return malformed("cpio: name longer than PATH_MAX");
        m_position += name_size;
        if (!align())
            return malformed("cpio: truncated name padding");

        uint32_t file_size = fields[FileSize];
        if (file_size > remaining())
            return malformed("cpio: entry data runs past the end of the archive");
        std::span<uint8_t const> data = m_archive.subspan(m_position, file_size);
        m_position += file_size;
        if (!align())
            return malformed("cpio: truncated data padding");

        if (name == "TRAILER!!!") {
            saw_trailer = true;
            m_hard_links.clear();
            continue;
        }
        TRY(unpack_entry(fields, name, data));
    }
    if (!saw_trailer)
        return malformed("cpio: archive ends without a TRAILER!!! entry");
    // Directory times last: creating their entries touched them.
    for (auto& entry : m_directory_times)
        entry.directory->set_modification_time({ entry.modification_time, 0 });
    return {};
}

// Walks `name` down from the root, creating missing directories, and leaves the last
// component in `name`. Null when the way leads into another file system mounted in the tree
// (/proc), whose entries the archive cannot add to: they are skipped.
ErrorOr<RefPtr<RamDirectory>> Unpacker::make_parents(std::string_view& name)
{
    RefPtr<RamDirectory> current = m_root;
    while (true) {
        size_t slash = name.find('/');
        if (slash == std::string_view::npos)
            return current;
        std::string_view component = name.substr(0, slash);
        name.remove_prefix(slash + 1);
        while (!name.empty() && name.front() == '/')
            name.remove_prefix(1);
        if (component == ".")
            continue;
        if (component == "..")
            return malformed("cpio: name with a \"..\" component");
        if (component.size() > name_max)
            return malformed("cpio: name component longer than NAME_MAX");
        auto* existing = current->find(component);
        if (!existing) {
            auto created = current->create_directory(component, 0755);
            if (created.is_error())
                return failed(created.error(), "cpio: cannot create a parent directory");
            existing = created.value().ptr();
        }
        if (!existing->is_directory())
            return malformed("cpio: a path component is not a directory");
        current = static_cast<Directory*>(existing)->as_ram_directory();
        if (!current)
            return current;
    }
}

ErrorOr<void> Unpacker::unpack_entry(uint32_t const (&fields)[field_count], std::string_view name, std::span<uint8_t const> data)
{
    while (name.starts_with("./") || name.starts_with("/"))
        name.remove_prefix(name.front() == '/' ? 1 : 2);
    while (name.ends_with("/"))
        name.remove_suffix(1);
    if (name.empty() || name == ".")
        return {};
    auto parent = TRY(make_parents(name));
    if (!parent || name == "." || name.empty())
        return {};
    if (name == "..")
        return malformed("cpio: name with a \"..\" component");
    if (name.size() > name_max)
        return malformed("cpio: name component longer than NAME_MAX");

    uint32_t mode = fields[Mode];
    uint32_t type = mode & S_IFMT;
    Timespec modification_time { int64_t(fields[ModificationTime]), 0 };
    RefPtr<Inode> existing = parent->find(name);
    // A mount point (/proc) keeps the mounted file system's root whatever the archive says
    // about the name, as an initramfs unpacked before the mount would have it hidden.
    if (existing && is_mount_point(*parent, *existing))
        return {};

    auto replace_existing = [&]() -> ErrorOr<void> {
        if (!existing)
            return {};
        if (existing->is_directory() && !static_cast<RamDirectory&>(*existing).is_empty())
            return malformed("cpio: entry would replace a non-empty directory");
        TRY(parent->remove_entry(name));
        existing = nullptr;
        return {};
    };
    auto finish = [&](Inode& inode) {
        inode.set_owner(fields[Uid], fields[Gid]);
        inode.set_permissions(mode & 07777);
        inode.set_times(modification_time, modification_time);
    };

    switch (type) {
    case S_IFDIR: {
        if (existing && !existing->is_directory())
            TRY(replace_existing());
        if (!existing) {
            auto created = parent->create_directory(name, mode & 07777);
            if (created.is_error())
                return failed(created.error(), "cpio: cannot create a directory");
            existing = created.release_value();
        }
        finish(*existing);
        if (m_directory_times.try_append(DirectoryTime { existing, modification_time.seconds }).is_error())
            return failed(Error(ENOMEM), "cpio: out of memory");
        return {};
    }
    case S_IFREG: {
        // newc stores a hard-linked file's data once, with the last of its names; the others
        // come first with no data. Entries with one link need no bookkeeping.
        RefPtr<Inode> file;
        if (fields[LinkCount] > 1) {
            for (auto& link : m_hard_links) {
                if (link.inode_number == fields[InodeNumber] && link.device_major == fields[DeviceMajor] && link.device_minor == fields[DeviceMinor])
                    file = link.inode;
            }
        }
        TRY(replace_existing());
        if (file) {
            if (auto result = parent->add_entry(name, file); result.is_error())
                return failed(result.error(), "cpio: cannot link a file");
        } else {
            auto created = parent->create_file(name, mode & 07777);
            if (created.is_error())
                return failed(created.error(), "cpio: cannot create a file");
            file = created.release_value();
            if (fields[LinkCount] > 1) {
                if (m_hard_links.try_append(HardLink { fields[InodeNumber], fields[DeviceMajor], fields[DeviceMinor], file }).is_error())
                    return failed(Error(ENOMEM), "cpio: out of memory");
            }
        }
        if (!data.empty()) {
            auto& regular = static_cast<RegularFile&>(*file);
            auto buffer = IoBuffer::kernel(data.data(), data.size());
            auto truncated = regular.truncate(0);
            auto written = truncated.is_error() ? ErrorOr<size_t>(truncated.error()) : regular.write_bytes(0, buffer);
            if (written.is_error() || written.value() != data.size())
                return failed(Error(ENOMEM), "cpio: out of memory for file contents");
        }
        finish(*file);
        return {};
    }
    case S_IFLNK: {
        if (data.empty())
            return malformed("cpio: symlink with an empty target");
        std::string_view target(reinterpret_cast<char const*>(data.data()), data.size());
        if (target.find('\0') != std::string_view::npos || target.size() >= path_max)
            return malformed("cpio: symlink target is not a path");
        TRY(replace_existing());
        auto created = parent->create_symlink(name, target);
        if (created.is_error())
            return failed(created.error(), "cpio: cannot create a symlink");
        auto link = created.release_value();
        link->set_owner(fields[Uid], fields[Gid]);
        link->set_times(modification_time, modification_time);
        return {};
    }
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
    case S_IFSOCK:
        // /dev comes from devfs; FIFOs and sockets wait for their file kinds.
        return {};
    default:
        return malformed("cpio: entry with an unknown file type");
    }
}

}

ErrorOr<void> unpack_cpio(RamDirectory& root, std::span<uint8_t const> archive, char const** reason)
{
    Unpacker unpacker(root, archive, reason);
    return unpacker.run();
}

}
