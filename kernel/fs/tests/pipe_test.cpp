// Pipes and FIFOs: the slot ring (merging, atomic writes, packets, resizing), the ends'
// bookkeeping, end of file and EPIPE, non-blocking behaviour, and blocking paths played
// through the fake scheduler.
#include <string>
#include <vector>

#include <fs/pipe.h>
#include <fs/poll.h>

#include "fake_sched.h"
#include "test_support.h"

namespace {

using fs::PipeBuffer;

int g_sigpipes;

class PipeTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        fake_sched::reset();
        g_sigpipes = 0;
    }
    void TearDown() override
    {
        fake_sched::reset();
        FsTest::TearDown();
    }

    static ErrorOr<size_t> write_bytes(fs::OpenFileDescription& description, std::string const& bytes)
    {
        auto buffer = fs::IoBuffer::kernel(bytes.data(), bytes.size());
        return description.write(buffer);
    }
    static ErrorOr<std::string> read_bytes(fs::OpenFileDescription& description, size_t size)
    {
        std::string bytes(size, '\0');
        auto buffer = fs::IoBuffer::kernel(bytes.data(), bytes.size());
        auto count = description.read(buffer);
        if (count.is_error())
            return count.error();
        bytes.resize(count.value());
        return bytes;
    }
    static std::string pattern(size_t size, char first = 'a')
    {
        std::string bytes(size, '\0');
        for (size_t index = 0; index < size; ++index)
            bytes[index] = char(first + index % 23);
        return bytes;
    }
    static uint32_t events_of(fs::OpenFileDescription& description)
    {
        return description.inode().poll_events(description);
    }
    static fs::PipeInode& pipe_of(fs::OpenFileDescription& description)
    {
        return static_cast<fs::PipeInode&>(description.inode());
    }
};

}

// The weak no-op of pipe.cpp gives way to this one, so the tests see where SIGPIPE is raised.
namespace fs {
void raise_sigpipe() { ++g_sigpipes; }
}

TEST_F(PipeTest, EndsHaveTheirAccessModesAndFlags)
{
    auto ends = MUST(fs::create_pipe(O_NONBLOCK | O_DIRECT));
    EXPECT_EQ(ends.read_end->flags(), O_RDONLY | O_NONBLOCK);
    EXPECT_EQ(ends.write_end->flags(), O_WRONLY | O_NONBLOCK | O_DIRECT);
    EXPECT_EQ(&ends.read_end->inode(), &ends.write_end->inode());
    auto& pipe = pipe_of(*ends.read_end);
    EXPECT_EQ(pipe.readers(), 1u);
    EXPECT_EQ(pipe.writers(), 1u);
    EXPECT_FALSE(pipe.is_fifo());
    EXPECT_EQ(pipe.size_in_bytes(), 65536u);

    fs::LinuxStat stat;
    pipe.fill_stat(stat);
    EXPECT_EQ(stat.st_mode, uint32_t(S_IFIFO | 0600));
    EXPECT_EQ(stat.st_size, 0);
    EXPECT_EQ(stat.st_blksize, 4096);
    EXPECT_EQ(stat.st_nlink, 1u);
}

TEST_F(PipeTest, ReadsWhatIsThereAndKeepsOrder)
{
    auto ends = MUST(fs::create_pipe(0));
    EXPECT_EQ(MUST(write_bytes(*ends.write_end, "hello ")), 6u);
    EXPECT_EQ(MUST(write_bytes(*ends.write_end, "world")), 5u);
    EXPECT_EQ(pipe_of(*ends.read_end).buffer().available(), 11u);
    // Small writes share a slot.
    EXPECT_EQ(pipe_of(*ends.read_end).buffer().occupied_slots(), 1u);
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 4)), "hell");
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 100)), "o world");
    EXPECT_EQ(pipe_of(*ends.read_end).buffer().occupied_slots(), 0u);
}

TEST_F(PipeTest, ZeroLengthTransfersDoNothing)
{
    auto ends = MUST(fs::create_pipe(0));
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 0)), "");
    ends.read_end = nullptr;
    // Even with no reader left, a write of nothing succeeds without SIGPIPE.
    EXPECT_EQ(MUST(write_bytes(*ends.write_end, "")), 0u);
    EXPECT_EQ(g_sigpipes, 0);
}

TEST_F(PipeTest, EndOfFileOnceTheLastWriterIsGone)
{
    auto ends = MUST(fs::create_pipe(0));
    auto second_writer = ends.write_end; // a dup or fork shares the description
    MUST(write_bytes(*ends.write_end, "data"));
    ends.write_end = nullptr;
    EXPECT_EQ(pipe_of(*ends.read_end).writers(), 1u);
    second_writer = nullptr;
    EXPECT_EQ(pipe_of(*ends.read_end).writers(), 0u);
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 100)), "data");
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 100)), "");
    EXPECT_EQ(fake_sched::wait_count, 0u);
}

TEST_F(PipeTest, EpipeAndSigpipeOnceTheLastReaderIsGone)
{
    auto ends = MUST(fs::create_pipe(0));
    ends.read_end = nullptr;
    EXPECT_EQ(error_of(write_bytes(*ends.write_end, "x")), EPIPE);
    EXPECT_EQ(g_sigpipes, 1);
    EXPECT_EQ(events_of(*ends.write_end), fs::poll_out | fs::poll_wrnorm | fs::poll_err);
}

TEST_F(PipeTest, NonBlockingReadOfAnEmptyPipeIsEagain)
{
    auto ends = MUST(fs::create_pipe(O_NONBLOCK));
    EXPECT_EQ(error_of(read_bytes(*ends.read_end, 10)), EAGAIN);
    EXPECT_EQ(fake_sched::wait_count, 0u);
}

TEST_F(PipeTest, FillsSixtyFourKibibytesOfSmallWrites)
{
    auto ends = MUST(fs::create_pipe(O_NONBLOCK));
    size_t total = 0;
    while (true) {
        auto written = write_bytes(*ends.write_end, std::string(100, 'x'));
        if (written.is_error()) {
            EXPECT_EQ(written.error().code(), EAGAIN);
            break;
        }
        EXPECT_EQ(written.value(), 100u);
        total += written.value();
    }
    // Linux's slot accounting: 40 writes of 100 bytes share a page (4000 bytes), the 41st
    // needs a fresh one; sixteen pages of 4000 bytes.
    EXPECT_EQ(total, 16u * 4000u);
    EXPECT_EQ(pipe_of(*ends.read_end).buffer().available(), total);
    EXPECT_FALSE(events_of(*ends.write_end) & fs::poll_out);
}

TEST_F(PipeTest, NonBlockingAtomicWriteIsAllOrNothing)
{
    auto ends = MUST(fs::create_pipe(O_NONBLOCK));
    // Fifteen full slots and one with 4000 bytes: 96 bytes of room, but no free slot.
    for (int index = 0; index < 15; ++index)
        EXPECT_EQ(MUST(write_bytes(*ends.write_end, pattern(4096))), 4096u);
    EXPECT_EQ(MUST(write_bytes(*ends.write_end, pattern(4000))), 4000u);
    EXPECT_EQ(error_of(write_bytes(*ends.write_end, pattern(200))), EAGAIN);
    EXPECT_EQ(MUST(write_bytes(*ends.write_end, pattern(96))), 96u);
    EXPECT_EQ(error_of(write_bytes(*ends.write_end, pattern(1))), EAGAIN);
}

TEST_F(PipeTest, NonBlockingLargeWriteIsPartial)
{
    auto ends = MUST(fs::create_pipe(O_NONBLOCK));
    auto data = pattern(100000);
    EXPECT_EQ(MUST(write_bytes(*ends.write_end, data)), 65536u);
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 100000)), data.substr(0, 65536));
    // A write that is not a whole number of pages tops up the last slot with its first part
    // when it fits, then goes on a page at a time.
    MUST(write_bytes(*ends.write_end, pattern(10)));
    auto more = pattern(3 * 4096 + 100, 'A');
    EXPECT_EQ(MUST(write_bytes(*ends.write_end, more)), more.size());
    EXPECT_EQ(pipe_of(*ends.read_end).buffer().occupied_slots(), 4u);
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 100000)), pattern(10) + more);
}

TEST_F(PipeTest, PacketModeKeepsWriteBoundaries)
{
    auto ends = MUST(fs::create_pipe(O_DIRECT | O_NONBLOCK));
    MUST(write_bytes(*ends.write_end, "first"));
    MUST(write_bytes(*ends.write_end, "second packet"));
    MUST(write_bytes(*ends.write_end, "third"));
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 100)), "first");
    // A short read takes the start of the packet and drops the rest.
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 6)), "second");
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 100)), "third");
    // A packet larger than a page is split into pages.
    auto big = pattern(5000);
    EXPECT_EQ(MUST(write_bytes(*ends.write_end, big)), 5000u);
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 10000)), big.substr(0, 4096));
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 10000)), big.substr(4096));
    // Sixteen packets fill the pipe, however small.
    for (int index = 0; index < 16; ++index)
        EXPECT_EQ(MUST(write_bytes(*ends.write_end, "p")), 1u);
    EXPECT_EQ(error_of(write_bytes(*ends.write_end, "p")), EAGAIN);
}

TEST_F(PipeTest, SetSizeRoundsAndRefuses)
{
    auto ends = MUST(fs::create_pipe(O_NONBLOCK));
    auto& pipe = pipe_of(*ends.read_end);
    EXPECT_EQ(MUST(pipe.set_size_in_bytes(0)), 4096u);
    EXPECT_EQ(MUST(pipe.set_size_in_bytes(5000)), 8192u);
    EXPECT_EQ(MUST(pipe.set_size_in_bytes(1 << 20)), size_t(1) << 20);
    EXPECT_EQ(error_of(pipe.set_size_in_bytes((1 << 20) + 1)), EPERM);
    EXPECT_EQ(error_of(pipe.set_size_in_bytes(0xffffffffu)), EINVAL);
    EXPECT_EQ(error_of(pipe.set_size_in_bytes((uint64_t(1) << 31) + 1)), EINVAL);
    EXPECT_EQ(MUST(pipe.set_size_in_bytes(8192)), 8192u);
    EXPECT_EQ(pipe.size_in_bytes(), 8192u);

    MUST(write_bytes(*ends.write_end, pattern(5000)));
    EXPECT_EQ(error_of(pipe.set_size_in_bytes(4096)), EBUSY);
    // Growing keeps the data in order.
    EXPECT_EQ(MUST(pipe.set_size_in_bytes(65536)), 65536u);
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 10000)), pattern(5000));
}

TEST_F(PipeTest, Fionread)
{
    auto ends = MUST(fs::create_pipe(0));
    MUST(write_bytes(*ends.write_end, "12345"));
    // FIONREAD writes through a user pointer; the host's user copies reach plain memory.
    int available = -1;
    EXPECT_EQ(MUST(ends.read_end->ioctl(FIONREAD, reinterpret_cast<uintptr_t>(&available))), 0);
    EXPECT_EQ(available, 5);
    EXPECT_EQ(error_of(ends.read_end->ioctl(TCGETS, 0)), ENOTTY);
}

TEST_F(PipeTest, NotSeekable)
{
    auto ends = MUST(fs::create_pipe(0));
    EXPECT_EQ(error_of(ends.read_end->seek(0, SEEK_CUR)), ESPIPE);
    char byte;
    auto buffer = fs::IoBuffer::kernel(&byte, 1);
    EXPECT_EQ(error_of(ends.read_end->pread(0, buffer)), ESPIPE);
}

TEST_F(PipeTest, PollEvents)
{
    auto ends = MUST(fs::create_pipe(0));
    EXPECT_EQ(events_of(*ends.read_end), 0u);
    EXPECT_EQ(events_of(*ends.write_end), fs::poll_out | fs::poll_wrnorm);
    MUST(write_bytes(*ends.write_end, "x"));
    EXPECT_EQ(events_of(*ends.read_end), fs::poll_in | fs::poll_rdnorm);
    ends.write_end = nullptr;
    EXPECT_EQ(events_of(*ends.read_end), fs::poll_in | fs::poll_rdnorm | fs::poll_hup);
    MUST(read_bytes(*ends.read_end, 1));
    EXPECT_EQ(events_of(*ends.read_end), fs::poll_hup);
}

TEST_F(PipeTest, BlockedReaderGetsWhatAWriterBrings)
{
    auto ends = MUST(fs::create_pipe(0));
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        fake_sched::on_wait = nullptr;
        EXPECT_EQ(MUST(write_bytes(*ends.write_end, "late")), 4u);
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 100)), "late");
    EXPECT_EQ(fake_sched::wait_count, 1u);
}

TEST_F(PipeTest, BlockedReaderSeesEndOfFile)
{
    auto ends = MUST(fs::create_pipe(0));
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        ends.write_end = nullptr;
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(MUST(read_bytes(*ends.read_end, 100)), "");
}

TEST_F(PipeTest, InterruptedReadIsEintr)
{
    auto ends = MUST(fs::create_pipe(0));
    EXPECT_EQ(error_of(read_bytes(*ends.read_end, 100)), EINTR);
}

TEST_F(PipeTest, BlockingLargeWriteCompletesAcrossReads)
{
    auto ends = MUST(fs::create_pipe(0));
    auto data = pattern(200000);
    std::string received;
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        received += MUST(read_bytes(*ends.read_end, 30000));
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(MUST(write_bytes(*ends.write_end, data)), data.size());
    fake_sched::on_wait = nullptr;
    received += MUST(read_bytes(*ends.read_end, 200000));
    EXPECT_EQ(received, data);
}

TEST_F(PipeTest, InterruptedWriteReportsWhatWasWritten)
{
    auto ends = MUST(fs::create_pipe(0));
    EXPECT_EQ(MUST(write_bytes(*ends.write_end, pattern(100000))), 65536u);
    // Nothing fits: interrupted before writing anything.
    EXPECT_EQ(error_of(write_bytes(*ends.write_end, "x")), EINTR);
}

TEST_F(PipeTest, WriterBlockedWhenTheReaderLeavesGetsEpipe)
{
    auto ends = MUST(fs::create_pipe(0));
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        ends.read_end = nullptr;
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(MUST(write_bytes(*ends.write_end, pattern(70000))), 65536u);
    EXPECT_EQ(g_sigpipes, 1);
}

TEST_F(PipeTest, AtomicWriteWaitsForAWholeSlot)
{
    auto ends = MUST(fs::create_pipe(0));
    for (int index = 0; index < 16; ++index)
        MUST(write_bytes(*ends.write_end, pattern(4000)));
    // Full: the 4096-byte write waits until a slot is free and then goes in whole.
    int waits = 0;
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        ++waits;
        EXPECT_EQ(MUST(read_bytes(*ends.read_end, 4000)), pattern(4000));
        return sched::WakeReason::Woken;
    };
    EXPECT_EQ(MUST(write_bytes(*ends.write_end, pattern(4096, 'Z'))), 4096u);
    EXPECT_EQ(waits, 1);
}

// --- FIFOs ------------------------------------------------------------------------------------

class FifoTest : public PipeTest {
protected:
    void SetUp() override
    {
        PipeTest::SetUp();
        MUST(fs::make_node(context(), root(), "fifo", S_IFIFO | 0644, 0));
    }
};

TEST_F(FifoTest, MknodMakesAFifo)
{
    auto inode = MUST(resolve("fifo"));
    EXPECT_EQ(inode->mode(), uint32_t(S_IFIFO | 0644));
    EXPECT_EQ(inode->link_count(), 1u);
    EXPECT_EQ(error_of(fs::make_node(context(), root(), "fifo", S_IFIFO | 0644, 0)), EEXIST);
    EXPECT_EQ(error_of(fs::make_node(context(), root(), "missing/fifo", S_IFIFO | 0644, 0)), ENOENT);
}

TEST_F(FifoTest, NonBlockingReaderOpensAtOnceAndSeesNoHangupYet)
{
    auto reader = MUST(open("fifo", O_RDONLY | O_NONBLOCK));
    EXPECT_EQ(fake_sched::wait_count, 0u);
    EXPECT_EQ(MUST(read_bytes(*reader, 10)), "");
    EXPECT_EQ(events_of(*reader), 0u);
    {
        auto writer = MUST(open("fifo", O_WRONLY | O_NONBLOCK));
        MUST(write_bytes(*writer, "hi"));
    }
    // A writer came and went: now it is a hangup, after the data.
    EXPECT_EQ(events_of(*reader), fs::poll_in | fs::poll_rdnorm | fs::poll_hup);
    EXPECT_EQ(MUST(read_bytes(*reader, 10)), "hi");
    EXPECT_EQ(MUST(read_bytes(*reader, 10)), "");
}

TEST_F(FifoTest, NonBlockingWriterWithoutReaderIsEnxio)
{
    EXPECT_EQ(error_of(open("fifo", O_WRONLY | O_NONBLOCK)), ENXIO);
    auto& fifo = static_cast<fs::PipeInode&>(*MUST(resolve("fifo")));
    EXPECT_EQ(fifo.writers(), 0u);
    EXPECT_FALSE(fifo.buffer().is_allocated());
}

TEST_F(FifoTest, ReadWriteOpenNeverWaits)
{
    auto both = MUST(open("fifo", O_RDWR));
    EXPECT_EQ(fake_sched::wait_count, 0u);
    MUST(write_bytes(*both, "self"));
    EXPECT_EQ(MUST(read_bytes(*both, 10)), "self");
}

TEST_F(FifoTest, BlockingReaderWaitsForAWriter)
{
    RefPtr<fs::OpenFileDescription> writer;
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        fake_sched::on_wait = nullptr;
        // The writer finds a reader, so it does not wait.
        writer = MUST(open("fifo", O_WRONLY));
        return sched::WakeReason::Woken;
    };
    auto reader = MUST(open("fifo", O_RDONLY));
    EXPECT_EQ(fake_sched::wait_count, 1u);
    MUST(write_bytes(*writer, "ping"));
    EXPECT_EQ(MUST(read_bytes(*reader, 10)), "ping");
}

TEST_F(FifoTest, BlockingWriterWaitsForAReaderEvenIfItLeftAgain)
{
    // The reader comes and goes while the writer sleeps: the writer's open still succeeds
    // (the count of readers' opens moved), as Linux's wait_for_partner() decides.
    fake_sched::on_wait = [&](sched::WaitQueue&, uint64_t) {
        fake_sched::on_wait = nullptr;
        auto reader = MUST(open("fifo", O_RDONLY));
        return sched::WakeReason::Woken;
    };
    auto writer = MUST(open("fifo", O_WRONLY));
    EXPECT_EQ(error_of(write_bytes(*writer, "x")), EPIPE);
}

TEST_F(FifoTest, InterruptedOpenUndoesItsCount)
{
    EXPECT_EQ(error_of(open("fifo", O_RDONLY)), EINTR);
    auto& fifo = static_cast<fs::PipeInode&>(*MUST(resolve("fifo")));
    EXPECT_EQ(fifo.readers(), 0u);
    EXPECT_FALSE(fifo.buffer().is_allocated());
    EXPECT_EQ(error_of(open("fifo", O_WRONLY)), EINTR);
    EXPECT_EQ(fifo.writers(), 0u);
}

TEST_F(FifoTest, DataGoesWhenBothSidesAreClosed)
{
    {
        auto both = MUST(open("fifo", O_RDWR));
        MUST(write_bytes(*both, "lost"));
    }
    auto both = MUST(open("fifo", O_RDWR | O_NONBLOCK));
    EXPECT_EQ(error_of(read_bytes(*both, 10)), EAGAIN);
}

TEST_F(FifoTest, OtherNodes)
{
    MUST(fs::make_node(context(), root(), "file", 0644, 0));
    EXPECT_TRUE(MUST(resolve("file"))->is_regular_file());
    MUST(fs::make_node(context(), root(), "char", S_IFCHR | 0600, fs::encode_device(1, 3)));
    auto device = MUST(resolve("char"));
    EXPECT_EQ(device->mode(), uint32_t(S_IFCHR | 0600));
    EXPECT_EQ(device->device_number(), fs::encode_device(1, 3));
    EXPECT_EQ(error_of(open("char", O_RDONLY)), ENXIO);
    MUST(fs::make_node(context(), root(), "socket", S_IFSOCK | 0600, 0));
    EXPECT_EQ(error_of(open("socket", O_RDWR)), ENXIO);
}

TEST_F(FifoTest, DirectIoIsRefused)
{
    EXPECT_EQ(error_of(open("fifo", O_RDWR | O_DIRECT)), EINVAL);
    auto& fifo = static_cast<fs::PipeInode&>(*MUST(resolve("fifo")));
    EXPECT_EQ(fifo.readers(), 0u);
}
