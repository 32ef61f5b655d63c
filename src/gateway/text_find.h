// FindText / RFindText: where a byte string occurs in a text, for the gateway's scans of engine
// JSON (a key such as "usage" in every stream event). std::string_view::find stops at every
// occurrence of the needle's first byte and compares from there, and rfind compares at every
// position; JSON text is full of the quote these needles start with. These use glibc's memmem.
// Pure functions; any thread.
#pragma once

#include <cstddef>
#include <string_view>

namespace berth {

// The first position of `needle` in `text`, or npos; 0 for an empty needle.
size_t FindText(std::string_view text, std::string_view needle);
// The last position of `needle` in `text`, or npos; text.size() for an empty needle.
size_t RFindText(std::string_view text, std::string_view needle);

}  // namespace berth
