#include "gateway/text_find.h"

#include <string.h>

namespace berth {

size_t FindText(std::string_view text, std::string_view needle) {
  if (needle.empty()) return 0;
  if (needle.size() > text.size()) return std::string_view::npos;
  const void* at = memmem(text.data(), text.size(), needle.data(), needle.size());
  return at == nullptr ? std::string_view::npos
                       : static_cast<size_t>(static_cast<const char*>(at) - text.data());
}

size_t RFindText(std::string_view text, std::string_view needle) {
  if (needle.empty()) return text.size();
  if (needle.size() > text.size()) return std::string_view::npos;
  const char last = needle.back();
  const size_t first_end = needle.size() - 1;  // the earliest index the last byte can have
  size_t limit = text.size();                  // the last byte is searched below this
  while (limit > first_end) {
    const void* hit = memrchr(text.data() + first_end, last, limit - first_end);
    if (hit == nullptr) break;
    const size_t end = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
    const size_t start = end - first_end;
    if (text.compare(start, needle.size(), needle) == 0) return start;
    limit = end;
  }
  return std::string_view::npos;
}

}  // namespace berth
