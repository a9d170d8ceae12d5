#include <cstring>

#include <arch/cpu.h>
#include <plat/random.h>

namespace plat {

namespace {

uint64_t s_state[4];
bool s_seeded;

uint64_t rotate_left(uint64_t value, int bits) { return (value << bits) | (value >> (64 - bits)); }

uint64_t splitmix(uint64_t& seed)
{
    uint64_t z = (seed += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
}

bool hardware_random(uint64_t& value)
{
    if (!arch::cpu_features().rdrand)
        return false;
    for (int tries = 0; tries < 10; ++tries) {
        unsigned char ok;
        asm volatile("rdrand %0; setc %1" : "=r"(value), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

// xoshiro256** keyed from the TSC and, where present, RDRAND; each output is mixed with fresh
// RDRAND output when the CPU has it.
uint64_t next()
{
    if (!s_seeded) {
        uint64_t seed = arch::read_tsc();
        uint64_t hardware;
        if (hardware_random(hardware))
            seed ^= hardware;
        for (auto& word : s_state)
            word = splitmix(seed);
        s_seeded = true;
    }
    uint64_t result = rotate_left(s_state[1] * 5, 7) * 9;
    uint64_t t = s_state[1] << 17;
    s_state[2] ^= s_state[0];
    s_state[3] ^= s_state[1];
    s_state[1] ^= s_state[2];
    s_state[0] ^= s_state[3];
    s_state[2] ^= t;
    s_state[3] = rotate_left(s_state[3], 45);
    uint64_t hardware;
    if (hardware_random(hardware))
        result ^= hardware;
    return result;
}

}

void random_bytes(void* buffer, size_t length)
{
    auto* bytes = static_cast<uint8_t*>(buffer);
    while (length) {
        uint64_t value = next() ^ arch::read_tsc();
        size_t chunk = length < 8 ? length : 8;
        memcpy(bytes, &value, chunk);
        bytes += chunk;
        length -= chunk;
    }
}

}
