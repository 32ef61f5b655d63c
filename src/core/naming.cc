#include "core/naming.h"

#include <optional>

#include "common/sha256.h"

namespace berth {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// The code point of the UTF-8 sequence at text[pos], advancing pos past it; nullopt for a
// malformed, overlong or surrogate sequence.
std::optional<char32_t> NextCodePoint(std::string_view text, size_t& pos) {
  unsigned char lead = static_cast<unsigned char>(text[pos]);
  // Continuation bytes after the lead byte, and the smallest code point that needs them.
  size_t extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
  constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if ((lead >= 0x80 && lead < 0xC0) || lead >= 0xF8) return std::nullopt;
  char32_t code = lead & (0x7F >> extra);
  if (text.size() - pos <= extra) return std::nullopt;
  for (size_t i = 1; i <= extra; ++i) {
    unsigned char next = static_cast<unsigned char>(text[pos + i]);
    if ((next & 0xC0) != 0x80) return std::nullopt;
    code = (code << 6) | (next & 0x3F);
  }
  bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  if (code < kMin[extra] || code > 0x10FFFF || surrogate) return std::nullopt;
  pos += extra + 1;
  return code;
}

bool IsControl(char32_t code) { return code < 0x20 || (code >= 0x7F && code <= 0x9F); }

// `field` holds 1 to `max_chars` printable characters of valid UTF-8.
Status ValidatePrintable(std::string_view text, const std::string& field, size_t max_chars) {
  if (text.empty()) return InvalidArgument(field + " must not be empty");
  size_t chars = 0;
  bool control = false;
  for (size_t pos = 0; pos < text.size(); ++chars) {
    std::optional<char32_t> code = NextCodePoint(text, pos);
    if (!code) return InvalidArgument(field + " must be valid UTF-8");
    control = control || IsControl(*code);
  }
  if (chars > max_chars) {
    return InvalidArgument(field + " must be at most " + std::to_string(max_chars) +
                           " characters, got " + std::to_string(chars));
  }
  if (control) return InvalidArgument(field + " must not contain control characters");
  return Status::Ok();
}

}  // namespace

Status ValidateSuffix(std::string_view suffix) {
  if (suffix.empty() || suffix.size() > kMaxSuffixLength) {
    return InvalidArgument("suffix must be 1 to 8 characters long, got " +
                           std::to_string(suffix.size()));
  }
  for (char c : suffix) {
    if (!IsLowerAlnum(c)) {
      return InvalidArgument("suffix '" + std::string(suffix) +
                             "' may contain only lowercase letters and digits [a-z0-9]");
    }
  }
  return Status::Ok();
}

Status ValidateDisplayName(std::string_view name) {
  return ValidatePrintable(name, "name", kMaxDisplayNameLength);
}

Status ValidateWorkspaceName(std::string_view name) {
  return ValidatePrintable(name, "name", kMaxWorkspaceNameLength);
}

Status ValidateModelName(std::string_view model_name) {
  if (model_name.empty()) return InvalidArgument("model_name must not be empty");
  if (model_name.size() > kMaxModelNameLength) {
    return InvalidArgument("model_name must be at most 128 characters");
  }
  if (!IsAlnum(model_name.front())) {
    return InvalidArgument("model_name must start with a letter or digit");
  }
  for (char c : model_name) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != '-') {
      return InvalidArgument("model_name '" + std::string(model_name) +
                             "' may contain only letters, digits, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

std::string NameHash(std::string_view workspace_id, std::string_view model_name) {
  std::string input(workspace_id);
  input += '/';
  input += model_name;
  return Sha256Hex(input).substr(0, 8);
}

std::string DeployedModelName(Plan plan, std::string_view workspace_id, std::string_view model_name,
                              std::string_view suffix) {
  std::string name(model_name);
  if (plan != Plan::kLora) {
    name += '-';
    name += NameHash(workspace_id, model_name);
  }
  if (!suffix.empty()) {
    name += '-';
    name += suffix;
  }
  return name;
}

}  // namespace berth
