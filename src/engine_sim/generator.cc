#include "engine_sim/generator.h"

#include <array>

namespace berth::engine_sim {
namespace {

// Lowercase ASCII words only: each is one token, and capitalizing keeps it one.
constexpr std::array<std::string_view, 64> kWords = {
    "the",     "model",  "engine", "token",   "request", "answer", "simple", "fast",
    "quiet",   "river",  "stone",  "light",   "cloud",   "signal", "system", "value",
    "replica", "stream", "harbor", "vessel",  "anchor",  "tide",   "north",  "garden",
    "window",  "number", "seven",  "blue",    "green",   "silver", "paper",  "music",
    "is",      "was",    "will",   "can",     "may",     "should", "runs",   "holds",
    "moves",   "finds",  "builds", "returns", "waits",   "serves", "reads",  "writes",
    "and",     "but",    "or",     "so",      "of",      "in",     "on",     "with",
    "a",       "every",  "each",   "another", "quickly", "slowly", "again",  "here"};

}  // namespace

uint64_t HashText(std::string_view text, uint64_t hash) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

uint64_t MixSeed(uint64_t prompt_hash, uint64_t seed) {
  // One SplitMix64 finalizer round over both values, so nearby seeds give unrelated streams.
  uint64_t z = prompt_hash ^ (seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int DefaultOutputLength(uint64_t prompt_hash) { return 16 + static_cast<int>(prompt_hash % 48); }

TextGenerator::TextGenerator(uint64_t seed, int length, bool ends_sentence)
    : state_(seed), length_(length), ends_sentence_(ends_sentence) {}

uint64_t TextGenerator::NextRandom() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string TextGenerator::Next() {
  if (done()) return "";
  const int index = produced_++;
  const uint64_t r = NextRandom();
  const bool last = index == length_ - 1;
  const bool ends_here = ends_sentence_ && index > 0 && last;
  // Punctuation follows a word, and never right before the closing ".".
  const bool may_punctuate = after_word_ && !last && !(ends_sentence_ && index == length_ - 2);
  const int roll = static_cast<int>(r % 100);
  if (ends_here || (may_punctuate && roll < 6)) {
    after_word_ = false;
    capitalize_ = true;
    return ".";
  }
  if (may_punctuate && roll < 14) {
    after_word_ = false;
    return ",";
  }
  std::string piece = index == 0 ? "" : " ";
  piece += kWords[(r >> 8) % kWords.size()];
  if (capitalize_) {
    char& first = piece[index == 0 ? 0 : 1];
    first = static_cast<char>(first - 'a' + 'A');
  }
  after_word_ = true;
  capitalize_ = false;
  return piece;
}

std::string GenerateText(uint64_t seed, int length, bool ends_sentence) {
  TextGenerator generator(seed, length, ends_sentence);
  std::string text;
  while (!generator.done()) text += generator.Next();
  return text;
}

}  // namespace berth::engine_sim
