// Deterministic text for the engine simulator: a function of (prompt, seed) and a length only.
// A 64-bit FNV-1a hash of the prompt, mixed with the seed, seeds a SplitMix64 generator that picks
// words and punctuation from a fixed list. Each piece it yields is exactly one token under the
// rule in core/token_count.h, and pieces never merge when concatenated (every word after the first
// starts with a space), so CountTokens(text of n pieces) == n. Pure functions; a TextGenerator is
// used by one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace berth::engine_sim {

inline constexpr uint64_t kFnvOffsetBasis = 14695981039346656037ull;

// FNV-1a (64-bit) of `text`, continuing from `hash` (chain calls to hash several strings).
uint64_t HashText(std::string_view text, uint64_t hash = kFnvOffsetBasis);

// The generator seed for a prompt hash and the --seed (and request "seed") value.
uint64_t MixSeed(uint64_t prompt_hash, uint64_t seed);

// The output length when a request gives no max_tokens: 16 + (prompt_hash mod 48), so 16..63.
int DefaultOutputLength(uint64_t prompt_hash);

class TextGenerator {
 public:
  // Yields `length` pieces. When `ends_sentence` (a natural stop) the last piece is ".".
  TextGenerator(uint64_t seed, int length, bool ends_sentence);

  bool done() const { return produced_ >= length_; }
  int produced() const { return produced_; }
  // The next piece: a word (with a leading space, except the first piece) or a punctuation
  // mark; "" once `length` pieces were produced.
  std::string Next();

 private:
  uint64_t NextRandom();

  uint64_t state_;
  int length_;
  bool ends_sentence_;
  int produced_ = 0;
  bool after_word_ = false;  // the previous piece was a word (punctuation may follow)
  bool capitalize_ = true;   // the next word starts a sentence
};

// All `length` pieces of TextGenerator(seed, length, ends_sentence), concatenated.
std::string GenerateText(uint64_t seed, int length, bool ends_sentence);

}  // namespace berth::engine_sim
