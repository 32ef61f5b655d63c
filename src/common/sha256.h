// SHA-256 of a byte string (FIPS 180-4, computed by libcrypto), used for deployment naming and
// API key hashing.
// Pure function; safe from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace berth {

std::array<uint8_t, 32> Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);

// Compares two strings in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace berth
