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
  // Forward, occurrence after occurrence: a key such as "usage" occurs once or twice in an
  // event, where a backward scan for any one of its bytes stops at every quote or letter.
  size_t last = std::string_view::npos;
  for (size_t from = 0;;) {
    const size_t at = FindText(text.substr(from), needle);
    if (at == std::string_view::npos) return last;
    last = from + at;
    from = last + 1;
  }
}

}  // namespace berth
