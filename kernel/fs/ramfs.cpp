#include <algorithm>
#include <cstring>
#include <new>

#include <fs/file_pages.h>
#include <fs/ramfs.h>

namespace fs {

template<typename T>
static ErrorOr<RefPtr<T>> adopt_or_enomem(T* pointer)
{
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<T>::adopt(pointer);
}

ErrorOr<OwnPtr<RamFileSystem>> RamFileSystem::create(uint32_t device_minor)
{
    auto* pointer = new (std::nothrow) RamFileSystem(device_minor);
    if (!pointer)
        return Error(ENOMEM);
    OwnPtr<RamFileSystem> file_system(pointer);
    auto root = TRY(RamDirectory::create(*file_system, 0755));
    // The root is linked from nowhere but is its own "..": "." and ".." make two links.
    root->increment_link_count();
    file_system->m_root = std::move(root);
    return file_system;
}

RamFileSystem::~RamFileSystem() = default;

// Directories

// tmpfs reports a directory's size as 20 bytes per entry ("BOGO_DIRENT_SIZE"), two for "." and
// "..": some programs size buffers from st_size, so it should not be zero.
static constexpr uint64_t bogus_directory_entry_size = 20;

ErrorOr<RefPtr<RamDirectory>> RamDirectory::create(FileSystem& file_system, uint32_t permissions)
{
    return adopt_or_enomem(new (std::nothrow) RamDirectory(file_system, permissions));
}

uint64_t RamDirectory::size() const
{
    return (m_entries.size() + 2) * bogus_directory_entry_size;
}

Inode* RamDirectory::find(std::string_view name) const
{
    for (auto const& entry : m_entries) {
        if (entry.name.view() == name)
            return entry.inode.ptr();
    }
    return nullptr;
}

ErrorOr<String> RamDirectory::name_of(Inode const& child)
{
    for (auto const& entry : m_entries) {
        if (entry.inode.ptr() == &child)
            return entry.name.try_clone();
    }
    return String();
}

RamDirectory* RamDirectory::as_child_directory(Inode& inode) const
{
    return inode.is_directory() ? static_cast<Directory&>(inode).as_ram_directory() : nullptr;
}

ErrorOr<void> RamDirectory::check_can_create(std::string_view name) const
{
    if (m_is_removed)
        return Error(ENOENT);
    if (name.size() > name_max)
        return Error(ENAMETOOLONG);
    if (find(name))
        return Error(EEXIST);
    return {};
}

ErrorOr<void> RamDirectory::add_entry(std::string_view name, RefPtr<Inode> inode)
{
    VERIFY(!name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos);
    TRY(check_can_create(name));
    auto name_string = TRY(String::try_create(name));
    TRY(m_entries.try_append(Entry { std::move(name_string), inode, m_next_cookie }));
    ++m_next_cookie;
    inode->increment_link_count();
    if (inode->is_directory())
        increment_link_count(); // the child's ".."
    if (auto* child = as_child_directory(*inode)) {
        child->m_parent = this;
        child->m_is_removed = false;
    }
    touch_modification_and_change_time();
    return {};
}

void RamDirectory::detach_child(Inode& child, bool detach_only)
{
    child.decrement_link_count();
    child.touch_change_time();
    if (child.is_directory())
        decrement_link_count(); // the child's ".." no longer counts here
    // A rename has already linked the directory under its new parent, which now owns it.
    if (auto* directory = as_child_directory(child); directory && !detach_only) {
        directory->m_former_parent = this;
        directory->m_parent = nullptr;
        directory->decrement_link_count(); // its "."
        directory->m_is_removed = true;
    }
}

ErrorOr<void> RamDirectory::remove_entry(std::string_view name, bool detach_only)
{
    for (size_t index = 0; index < m_entries.size(); ++index) {
        if (m_entries[index].name.view() != name)
            continue;
        // Keep the inode alive until its link count and parent are settled.
        RefPtr<Inode> child = m_entries[index].inode;
        m_entries.remove(index);
        detach_child(*child, detach_only);
        touch_modification_and_change_time();
        return {};
    }
    return Error(ENOENT);
}

void RamDirectory::replace_entry(std::string_view name, RefPtr<Inode> inode)
{
    for (auto& entry : m_entries) {
        if (entry.name.view() != name)
            continue;
        RefPtr<Inode> old = std::move(entry.inode);
        detach_child(*old, false);
        entry.inode = inode;
        inode->increment_link_count();
        if (inode->is_directory())
            increment_link_count();
        if (auto* child = as_child_directory(*inode))
            child->m_parent = this;
        touch_modification_and_change_time();
        return;
    }
    VERIFY_NOT_REACHED();
}

ErrorOr<RefPtr<Inode>> RamDirectory::create_file(std::string_view name, uint32_t permissions)
{
    TRY(check_can_create(name));
    RefPtr<Inode> file = TRY(RegularFile::create(file_system(), permissions));
    TRY(add_entry(name, file));
    return file;
}

ErrorOr<RefPtr<Inode>> RamDirectory::create_directory(std::string_view name, uint32_t permissions)
{
    TRY(check_can_create(name));
    RefPtr<Inode> directory = TRY(RamDirectory::create(file_system(), permissions));
    TRY(add_entry(name, directory));
    return directory;
}

ErrorOr<RefPtr<Inode>> RamDirectory::create_symlink(std::string_view name, std::string_view target)
{
    TRY(check_can_create(name));
    RefPtr<Inode> symlink = TRY(Symlink::create(file_system(), target));
    TRY(add_entry(name, symlink));
    return symlink;
}

ErrorOr<bool> RamDirectory::entry_at_or_after(uint64_t cookie, DirectoryEntry& result)
{
    auto const* found = std::lower_bound(m_entries.begin(), m_entries.end(), cookie,
        [](Entry const& entry, uint64_t wanted) { return entry.cookie < wanted; });
    if (found == m_entries.end())
        return false;
    result.cookie = found->cookie;
    result.inode_number = found->inode->number();
    result.type = directory_entry_type_of(found->inode->mode());
    result.name = found->name.view();
    return true;
}

// Regular files

ErrorOr<RefPtr<RegularFile>> RegularFile::create(FileSystem& file_system, uint32_t permissions)
{
    return adopt_or_enomem(new (std::nothrow) RegularFile(file_system, permissions));
}

RegularFile::~RegularFile()
{
    for (auto* page : m_pages)
        if (page)
            release_file_page(page);
}

ErrorOr<void> RegularFile::ensure_page_slots(uint64_t size)
{
    uint64_t pages = size / page_size + (size % page_size ? 1 : 0);
    if (pages > m_pages.size())
        TRY(m_pages.try_resize(pages));
    return {};
}

ErrorOr<size_t> RegularFile::read_bytes(uint64_t offset, IoBuffer& buffer) const
{
    if (offset >= m_size)
        return size_t(0);
    size_t total = size_t(std::min<uint64_t>(buffer.size(), m_size - offset));
    size_t done = 0;
    while (done < total) {
        uint64_t position = offset + done;
        size_t in_page = position % page_size;
        size_t chunk = std::min(total - done, page_size - in_page);
        uint8_t const* page = m_pages[position / page_size];
        auto result = page ? buffer.write(done, page + in_page, chunk) : buffer.fill_zero(done, chunk);
        if (result.is_error())
            return done ? ErrorOr<size_t>(done) : ErrorOr<size_t>(result.error());
        done += chunk;
    }
    return done;
}

ErrorOr<size_t> RegularFile::write_bytes(uint64_t offset, IoBuffer& buffer)
{
    size_t total = buffer.size();
    if (total == 0)
        return size_t(0);
    if (offset + total < offset)
        return Error(EFBIG);
    TRY(ensure_page_slots(offset + total));
    size_t done = 0;
    while (done < total) {
        uint64_t position = offset + done;
        size_t in_page = position % page_size;
        size_t chunk = std::min(total - done, page_size - in_page);
        uint8_t*& page = m_pages[position / page_size];
        if (!page) {
            page = allocate_file_page();
            if (!page)
                break;
            ++m_allocated_pages;
        }
        if (buffer.read(done, page + in_page, chunk).is_error()) {
            if (!done)
                return Error(EFAULT);
            break;
        }
        done += chunk;
        if (offset + done > m_size)
            m_size = offset + done;
    }
    if (!done)
        return Error(ENOMEM);
    touch_modification_and_change_time();
    return done;
}

ErrorOr<void> RegularFile::truncate(uint64_t size)
{
    if (size < m_size) {
        uint64_t kept_pages = size / page_size + (size % page_size ? 1 : 0);
        for (size_t index = kept_pages; index < m_pages.size(); ++index) {
            if (m_pages[index]) {
                release_file_page(m_pages[index]);
                m_pages[index] = nullptr;
                --m_allocated_pages;
            }
        }
        m_pages.shrink(kept_pages);
        // Bytes past the new end in the last page must read as zeros if the file grows again.
        if (size % page_size && m_pages[kept_pages - 1])
            memset(m_pages[kept_pages - 1] + size % page_size, 0, page_size - size % page_size);
    } else if (size > m_size) {
        TRY(ensure_page_slots(size));
    }
    m_size = size;
    touch_modification_and_change_time();
    return {};
}

// Every page written (or shared) stays in memory; holes and pages past the end hold nothing.
bool RegularFile::holds_page(uint64_t offset) const
{
    size_t index = size_t(offset / page_size);
    return offset < m_size && index < m_pages.size() && m_pages[index];
}

// A page of the file for a shared mapping, allocated (zeroed) if it was never written. Pages
// wholly past the end have nothing to share (Linux raises SIGBUS there).
ErrorOr<uint64_t> RegularFile::shared_frame(uint64_t offset)
{
    if (offset >= m_size)
        return Error(EFAULT);
    size_t index = size_t(offset / page_size);
    TRY(ensure_page_slots(m_size));
    uint8_t*& page = m_pages[index];
    if (!page) {
        page = allocate_file_page();
        if (!page)
            return Error(ENOMEM);
        ++m_allocated_pages;
    }
    return map_file_page(page);
}

ErrorOr<String> RegularFile::anonymous_path() const
{
    auto path = TRY(String::try_create("/memfd:"));
    TRY(path.try_append(m_memfd_name.view()));
    TRY(path.try_append(" (deleted)"));
    return path;
}

// Symlinks

ErrorOr<RefPtr<Symlink>> Symlink::create(FileSystem& file_system, std::string_view target)
{
    auto target_string = TRY(String::try_create(target));
    return adopt_or_enomem(new (std::nothrow) Symlink(file_system, std::move(target_string)));
}

}
