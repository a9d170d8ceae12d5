#include "initrd/cpio_writer.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <sys/stat.h>

namespace unifork::initrd {

namespace {

// newc stores every number as 8 hex digits, so sizes and times are 32-bit.
constexpr std::uint64_t maximum_field = 0xffffffffu;

std::uint32_t clamp_time(std::int64_t mtime)
{
    if (mtime < 0)
        return 0;
    if (static_cast<std::uint64_t>(mtime) > maximum_field)
        return static_cast<std::uint32_t>(maximum_field);
    return static_cast<std::uint32_t>(mtime);
}

std::string_view parent_of(std::string_view name)
{
    auto slash = name.rfind('/');
    if (slash == std::string_view::npos)
        return {};
    return name.substr(0, slash);
}

}

CpioWriter::CpioWriter(std::ostream& output, std::int64_t implicit_mtime)
    : m_output(output)
    , m_implicit_mtime(implicit_mtime)
{
}

std::string CpioWriter::normalize_path(std::string_view path)
{
    if (path.find('\0') != std::string_view::npos)
        throw CpioError("path contains a NUL byte");
    std::string result;
    std::size_t position = 0;
    while (position <= path.size()) {
        auto end = path.find('/', position);
        if (end == std::string_view::npos)
            end = path.size();
        auto component = path.substr(position, end - position);
        position = end + 1;
        if (component.empty() || component == ".")
            continue;
        if (component == "..")
            throw CpioError("path \"" + std::string(path) + "\" contains \"..\"");
        if (!result.empty())
            result += '/';
        result += component;
    }
    if (result.empty())
        throw CpioError("path \"" + std::string(path) + "\" names the archive root");
    return result;
}

void CpioWriter::write(std::string_view bytes)
{
    m_output.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!m_output)
        throw CpioError("writing the archive failed");
    m_offset += bytes.size();
}

void CpioWriter::pad_to_four()
{
    static constexpr char zeros[4] = {};
    auto remainder = m_offset % 4;
    if (remainder != 0)
        write(std::string_view(zeros, 4 - remainder));
}

void CpioWriter::begin_entry(std::string const& name, std::uint32_t mode, std::uint32_t nlink, std::int64_t mtime, std::uint64_t size)
{
    if (size > maximum_field)
        throw CpioError("\"" + name + "\" is larger than the 4 GiB a newc archive can hold");
    // Inode numbers only need to be distinct; the trailer conventionally carries 0.
    std::uint32_t inode = name == "TRAILER!!!" ? 0 : m_next_inode++;
    std::array<char, header_size + 1> header {};
    std::snprintf(header.data(), header.size(),
        "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
        inode, mode, 0u, 0u, nlink, clamp_time(mtime), static_cast<std::uint32_t>(size),
        0u, 0u, 0u, 0u, static_cast<std::uint32_t>(name.size() + 1), 0u);
    write(std::string_view(header.data(), header_size));
    write(std::string_view(name.c_str(), name.size() + 1));
    pad_to_four();
}

void CpioWriter::check_can_add(std::string const& name)
{
    if (m_finished)
        throw CpioError("the archive is already finished");
    if (m_directories.contains(name) || m_other_entries.contains(name))
        throw CpioError("\"" + name + "\" is already in the archive");
}

void CpioWriter::ensure_parents(std::string const& name)
{
    auto parent = parent_of(name);
    if (parent.empty() || m_directories.contains(parent))
        return;
    if (m_other_entries.contains(parent))
        throw CpioError("cannot add \"" + name + "\": \"" + std::string(parent) + "\" is not a directory");
    add_directory(parent, 0755, m_implicit_mtime);
}

void CpioWriter::add_directory(std::string_view path, std::uint32_t permissions, std::int64_t mtime)
{
    auto name = normalize_path(path);
    if (m_finished)
        throw CpioError("the archive is already finished");
    if (m_directories.contains(name))
        return;
    check_can_add(name);
    ensure_parents(name);
    begin_entry(name, S_IFDIR | (permissions & 07777), 2, mtime, 0);
    m_directories.insert(name);
}

void CpioWriter::add_file(std::string_view path, std::uint32_t permissions, std::int64_t mtime, std::string_view contents)
{
    auto name = normalize_path(path);
    check_can_add(name);
    ensure_parents(name);
    begin_entry(name, S_IFREG | (permissions & 07777), 1, mtime, contents.size());
    write(contents);
    pad_to_four();
    m_other_entries.insert(name);
}

void CpioWriter::add_file(std::string_view path, std::uint32_t permissions, std::int64_t mtime, std::istream& contents, std::uint64_t size)
{
    auto name = normalize_path(path);
    check_can_add(name);
    ensure_parents(name);
    begin_entry(name, S_IFREG | (permissions & 07777), 1, mtime, size);
    m_other_entries.insert(name);
    std::array<char, 64 * 1024> buffer;
    auto remaining = size;
    while (remaining > 0) {
        auto chunk = static_cast<std::streamsize>(std::min<std::uint64_t>(remaining, buffer.size()));
        contents.read(buffer.data(), chunk);
        if (contents.gcount() != chunk)
            throw CpioError("\"" + name + "\" became shorter while it was being archived");
        write(std::string_view(buffer.data(), static_cast<std::size_t>(chunk)));
        remaining -= static_cast<std::uint64_t>(chunk);
    }
    pad_to_four();
}

void CpioWriter::add_symlink(std::string_view path, std::string_view target, std::int64_t mtime)
{
    auto name = normalize_path(path);
    if (target.empty() || target.find('\0') != std::string_view::npos)
        throw CpioError("symbolic link \"" + name + "\" has an empty or NUL-containing target");
    check_can_add(name);
    ensure_parents(name);
    // The link's data is its target, without a terminating NUL, as Linux's initramfs expects.
    begin_entry(name, S_IFLNK | 0777, 1, mtime, target.size());
    write(target);
    pad_to_four();
    m_other_entries.insert(name);
}

void CpioWriter::finish()
{
    if (m_finished)
        throw CpioError("the archive is already finished");
    begin_entry("TRAILER!!!", 0, 1, 0, 0);
    m_finished = true;
    m_output.flush();
    if (!m_output)
        throw CpioError("writing the archive failed");
}

}
