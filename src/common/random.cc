#include "common/random.h"

#include <sys/random.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace berth {
namespace {

// One getrandom(2) call per id. std::random_device is avoided on purpose: on virtual machines
// it executes RDRAND, which traps and costs ~20 us per 4 bytes (it made request ids the
// bottleneck of the whole HTTP API).
void FillRandom(uint8_t* out, size_t n) {
  while (n > 0) {
    ssize_t got = getrandom(out, n, 0);
    if (got < 0) std::abort();  // cannot happen on Linux >= 3.17 once the pool is initialised
    out += got;
    n -= static_cast<size_t>(got);
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
  std::string hex = RandomHex(32);
  hex[12] = '4';
  hex[16] = "89ab"[(hex[17] - '0') & 3];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace berth
