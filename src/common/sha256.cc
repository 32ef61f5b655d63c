#include "common/sha256.h"

// See Sha256 below.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>

namespace berth {

// libcrypto's SHA256_Init/Update/Final, deprecated in OpenSSL 3 in favour of EVP, are used on
// purpose: EVP allocates, clears and frees digest state on every digest and takes a provider
// lookup, which cost the gateway (hashing every request's API key) more than computing it.
std::array<uint8_t, 32> Sha256(std::string_view data) {
  std::array<uint8_t, 32> out;
  SHA256_CTX context;
  if (SHA256_Init(&context) != 1 || SHA256_Update(&context, data.data(), data.size()) != 1 ||
      SHA256_Final(out.data(), &context) != 1) {
    // Only a broken libcrypto gets here; a wrong digest would be worse than none.
    std::fprintf(stderr, "berth: libcrypto failed to compute SHA-256\n");
    std::abort();
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(64, '\0');
  size_t at = 0;
  for (uint8_t b : Sha256(data)) {
    hex[at++] = kHex[b >> 4];
    hex[at++] = kHex[b & 0xf];
  }
  return hex;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace berth
