// The platform functions the file system calls, for host unit tests: the console writes into
// buffers a test can inspect, input comes from a string a test sets, the clock is settable and
// random bytes are a fixed pattern.
#include <cstring>

#include <plat/clock.h>
#include <plat/console.h>
#include <plat/random.h>

#include "fake_platform.h"

namespace fake_platform {

std::string output;
std::string error;
std::string input;
uint64_t realtime = 1'700'000'000'000'000'000ull;

void reset()
{
    output.clear();
    error.clear();
    input.clear();
}

}

namespace plat {

uint64_t monotonic_nanoseconds() { return fake_platform::realtime; }
uint64_t realtime_nanoseconds() { return fake_platform::realtime; }

void console_write(ConsoleStream stream, char const* bytes, size_t length)
{
    (stream == ConsoleStream::Output ? fake_platform::output : fake_platform::error).append(bytes, length);
}

size_t console_read(char* buffer, size_t length)
{
    size_t count = std::min(length, fake_platform::input.size());
    memcpy(buffer, fake_platform::input.data(), count);
    fake_platform::input.erase(0, count);
    return count;
}

void random_bytes(void* buffer, size_t length)
{
    memset(buffer, 0xa5, length);
}

}
