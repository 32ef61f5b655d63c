#include "common/random.h"

#include <random>

namespace berth {
namespace {

// std::random_device reads getrandom(2) on Linux; one per thread avoids locking.
uint32_t NextRandom() {
  thread_local std::random_device device;
  return device();
}

std::string RandomFrom(std::string_view alphabet, size_t n) {
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(alphabet[NextRandom() % alphabet.size()]);
  return out;
}

}  // namespace

std::string RandomHex(size_t n) { return RandomFrom("0123456789abcdef", n); }

std::string RandomAlnum(size_t n) { return RandomFrom("abcdefghijklmnopqrstuvwxyz0123456789", n); }

std::string RandomUuid() {
  std::string hex = RandomHex(32);
  hex[12] = '4';
  hex[16] = "89ab"[NextRandom() % 4];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace berth
