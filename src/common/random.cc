#include "common/random.h"

#include <sys/random.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace berth {
namespace {

// Bytes from getrandom(2), drawn 4 KB at a time into a per-thread pool: one system call per
// ~100 request ids instead of one per id (the gateway makes one id per request). The pool holds
// OS entropy only, each byte handed out once. std::random_device is avoided on purpose: on
// virtual machines it executes RDRAND, which traps and costs ~20 us per 4 bytes (it made
// request ids the bottleneck of the whole HTTP API).
void FillFromOs(uint8_t* out, size_t n) {
  while (n > 0) {
    ssize_t got = getrandom(out, n, 0);
    if (got < 0) std::abort();  // cannot happen on Linux >= 3.17 once the pool is initialised
    out += got;
    n -= static_cast<size_t>(got);
  }
}

void FillRandom(uint8_t* out, size_t n) {
  struct Pool {
    uint8_t bytes[4096];
    size_t used = sizeof bytes;
  };
  thread_local Pool pool;
  while (n > 0) {
    if (pool.used == sizeof pool.bytes) {
      FillFromOs(pool.bytes, sizeof pool.bytes);
      pool.used = 0;
    }
    size_t take = std::min(n, sizeof pool.bytes - pool.used);
    std::memcpy(out, pool.bytes + pool.used, take);
    std::memset(pool.bytes + pool.used, 0, take);  // handed out once: not kept in memory
    pool.used += take;
    out += take;
    n -= take;
  }
}

std::string RandomFrom(std::string_view alphabet, size_t n) {
  // Rejection sampling keeps every character equally likely.
  const unsigned limit = 256 - 256 % alphabet.size();
  std::string out;
  out.reserve(n);
  uint8_t buf[64];
  while (out.size() < n) {
    FillRandom(buf, sizeof buf);
    for (uint8_t b : buf) {
      if (b < limit && out.size() < n) out.push_back(alphabet[b % alphabet.size()]);
    }
  }
  return out;
}

}  // namespace

std::string RandomHex(size_t n) { return RandomFrom("0123456789abcdef", n); }

std::string RandomAlnum(size_t n) { return RandomFrom("abcdefghijklmnopqrstuvwxyz0123456789", n); }

std::string RandomUuid() {
  uint8_t bytes[16];
  FillRandom(bytes, sizeof bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80;  // variant 10xx
  static constexpr char kHex[] = "0123456789abcdef";
  char text[36];
  char* at = text;
  for (size_t i = 0; i < sizeof bytes; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *at++ = '-';
    *at++ = kHex[bytes[i] >> 4];
    *at++ = kHex[bytes[i] & 0xf];
  }
  return std::string(text, sizeof text);
}

}  // namespace berth
