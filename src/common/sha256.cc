#include "common/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace berth {
namespace {

// SHA-256 as the process's libcrypto implements it (with the CPU's SHA extensions where it has
// them), fetched once: the gateway hashes every request's API key.
const EVP_MD* Sha256Algorithm() {
  static const EVP_MD* const algorithm = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return algorithm;
}

// The calling thread's digest context, reused: EVP_Digest allocates and frees one per call.
EVP_MD_CTX* ThreadContext() {
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                               &EVP_MD_CTX_free);
  return context.get();
}

}  // namespace

std::array<uint8_t, 32> Sha256(std::string_view data) {
  std::array<uint8_t, 32> out;
  unsigned int size = 0;
  EVP_MD_CTX* context = ThreadContext();
  if (context == nullptr || EVP_DigestInit_ex2(context, Sha256Algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(context, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context, out.data(), &size) != 1 || size != out.size()) {
    // Only a broken libcrypto (or no memory) gets here; a wrong digest would be worse than none.
    std::fprintf(stderr, "berth: libcrypto failed to compute SHA-256\n");
    std::abort();
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (uint8_t b : Sha256(data)) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 0xf]);
  }
  return hex;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  volatile uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = diff | (uint8_t(a[i]) ^ uint8_t(b[i]));
  return diff == 0;
}

}  // namespace berth
