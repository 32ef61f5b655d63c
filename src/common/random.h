// Unpredictable identifiers and secrets (request ids, key ids, API keys, workspace ids).
// Backed by the OS entropy source (getrandom, drawn 4 KB at a time into a per-thread pool whose
// bytes are each handed out once); safe from any thread.
#pragma once

#include <string>

namespace berth {

// n lowercase hex digits.
std::string RandomHex(size_t n);
// n characters of [a-z0-9].
std::string RandomAlnum(size_t n);
// A version-4 UUID, e.g. "6c6b7676-3fea-423b-bc26-c9e2337e1142" (the form of request ids).
std::string RandomUuid();

}  // namespace berth
