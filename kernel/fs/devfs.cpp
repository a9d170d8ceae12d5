#include <algorithm>
#include <cstring>
#include <new>

#include <fs/devfs.h>
#include <plat/random.h>

namespace fs {

ErrorOr<RefPtr<MemoryDevice>> MemoryDevice::create(FileSystem& file_system, Kind kind, uint64_t device_number)
{
    auto* pointer = new (std::nothrow) MemoryDevice(file_system, kind, device_number);
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<MemoryDevice>::adopt(pointer);
}

ErrorOr<size_t> MemoryDevice::read(OpenFileDescription&, uint64_t, IoBuffer& buffer)
{
    switch (m_kind) {
    case Kind::Null:
        return size_t(0);
    case Kind::Zero:
    case Kind::Full:
        TRY(buffer.fill_zero(0, buffer.size()));
        return buffer.size();
    case Kind::Random: {
        uint8_t bytes[256];
        size_t done = 0;
        while (done < buffer.size()) {
            size_t chunk = std::min(buffer.size() - done, sizeof(bytes));
            plat::random_bytes(bytes, chunk);
            if (auto result = buffer.write(done, bytes, chunk); result.is_error())
                return done ? ErrorOr<size_t>(done) : ErrorOr<size_t>(result.error());
            done += chunk;
        }
        return done;
    }
    }
    VERIFY_NOT_REACHED();
}

ErrorOr<size_t> MemoryDevice::write(OpenFileDescription&, uint64_t, IoBuffer& buffer)
{
    // /dev/full: "Writes to the /dev/full device fail with an ENOSPC error." Writes to the
    // random devices are accepted and dropped: Linux mixes them into its pool without
    // crediting entropy, which nothing can observe.
    if (m_kind == Kind::Full)
        return Error(ENOSPC);
    return buffer.size();
}

ErrorOr<void> populate_devfs(RamDirectory& dev, RefPtr<Console> console)
{
    auto& file_system = dev.file_system();
    struct MemoryNode {
        char const* name;
        MemoryDevice::Kind kind;
        uint64_t device_number;
    };
    MemoryNode const memory_nodes[] = {
        { "null", MemoryDevice::Kind::Null, device_numbers::null },
        { "zero", MemoryDevice::Kind::Zero, device_numbers::zero },
        { "full", MemoryDevice::Kind::Full, device_numbers::full },
        { "random", MemoryDevice::Kind::Random, device_numbers::random },
        { "urandom", MemoryDevice::Kind::Random, device_numbers::urandom },
    };
    for (auto const& node : memory_nodes)
        TRY(dev.add_entry(node.name, TRY(MemoryDevice::create(file_system, node.kind, node.device_number))));
    TRY(dev.add_entry("console", TRY(ConsoleDevice::create(file_system, console, plat::ConsoleStream::Output))));
    // /dev/tty is the process's controlling terminal, which is always the console here.
    TRY(dev.add_entry("tty", TRY(ConsoleDevice::create(file_system, console, plat::ConsoleStream::Output, device_numbers::tty, 0666))));
    // POSIX shared memory (shm_open) lives in /dev/shm in both C libraries.
    TRY(dev.create_directory("shm", 01777));
    return {};
}

}
