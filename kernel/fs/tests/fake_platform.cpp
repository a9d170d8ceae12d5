// The platform functions the file system calls, for host unit tests: the console writes into
// buffers a test can inspect, requests for input are recorded for the test to answer through
// the input handler, the clock is settable and random bytes are a fixed pattern.
#include <cstring>

#include <plat/clock.h>
#include <plat/console.h>
#include <plat/random.h>
#include <fs/file_pages.h>

#include "fake_platform.h"

namespace fake_platform {

std::string output;
std::string error;
std::vector<size_t> input_requests;
plat::ConsoleInputHandler input_handler;
uint64_t realtime = 1'700'000'000'000'000'000ull;
size_t mapped_file_pages;

void reset()
{
    output.clear();
    error.clear();
    input_requests.clear();
}

}

namespace fs {

// File pages from the heap; a mapping's reference is counted but never dropped, as the host
// tests map nothing.
uint8_t* allocate_file_page() { return new (std::nothrow) uint8_t[4096](); }
void release_file_page(uint8_t* page) { delete[] page; }
uint64_t map_file_page(uint8_t* page)
{
    ++fake_platform::mapped_file_pages;
    return reinterpret_cast<uint64_t>(page);
}

}

namespace plat {

uint64_t monotonic_nanoseconds() { return fake_platform::realtime; }
uint64_t realtime_nanoseconds() { return fake_platform::realtime; }

void console_write(ConsoleStream stream, char const* bytes, size_t length)
{
    (stream == ConsoleStream::Output ? fake_platform::output : fake_platform::error).append(bytes, length);
}

void set_console_input_handler(ConsoleInputHandler handler) { fake_platform::input_handler = handler; }

void console_request_input(size_t most) { fake_platform::input_requests.push_back(most); }

void random_bytes(void* buffer, size_t length)
{
    memset(buffer, 0xa5, length);
}

}
