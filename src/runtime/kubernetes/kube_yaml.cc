#include "runtime/kubernetes/kube_yaml.h"

#include <yaml.h>

#include <memory>
#include <string>
#include <vector>

namespace berth {
namespace {

constexpr size_t kMaxDepth = 64;

// libyaml's pull parser, one event at a time, freed on every path.
class EventReader {
 public:
  explicit EventReader(std::string_view text) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }
  ~EventReader() {
    if (has_event_) yaml_event_delete(&event_);
    yaml_parser_delete(&parser_);
  }
  StatusOr<const yaml_event_t*> Next() {
    if (has_event_) yaml_event_delete(&event_);
    has_event_ = yaml_parser_parse(&parser_, &event_) != 0;
    if (!has_event_) {
      return InvalidArgument("YAML: " + std::string(parser_.problem ? parser_.problem : "error") +
                             " at line " + std::to_string(parser_.problem_mark.line + 1) +
                             " column " + std::to_string(parser_.problem_mark.column + 1));
    }
    return &event_;
  }

 private:
  yaml_parser_t parser_;
  yaml_event_t event_;
  bool has_event_ = false;
};

nlohmann::json Scalar(const yaml_event_t& e) {
  std::string value(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
  if (e.data.scalar.plain_implicit) {
    if (value == "true" || value == "True") return true;
    if (value == "false" || value == "False") return false;
    if (value == "null" || value == "~" || value.empty()) return nullptr;
  }
  return value;
}

// Reads the node that starts with `first` (already read).
StatusOr<nlohmann::json> ReadNode(EventReader& reader, const yaml_event_t& first, size_t depth) {
  if (depth > kMaxDepth) return InvalidArgument("YAML nests too deep");
  if (first.type == YAML_SCALAR_EVENT) return Scalar(first);
  if (first.type == YAML_ALIAS_EVENT) return InvalidArgument("YAML aliases are not supported");
  bool mapping = first.type == YAML_MAPPING_START_EVENT;
  if (!mapping && first.type != YAML_SEQUENCE_START_EVENT) {
    return InvalidArgument("YAML: unexpected event");
  }
  nlohmann::json out = mapping ? nlohmann::json::object() : nlohmann::json::array();
  while (true) {
    ASSIGN_OR_RETURN(const yaml_event_t* e, reader.Next());
    if (e->type == YAML_MAPPING_END_EVENT || e->type == YAML_SEQUENCE_END_EVENT) return out;
    if (!mapping) {
      ASSIGN_OR_RETURN(nlohmann::json item, ReadNode(reader, *e, depth + 1));
      out.push_back(std::move(item));
      continue;
    }
    if (e->type != YAML_SCALAR_EVENT)
      return InvalidArgument("YAML: a mapping key must be a scalar");
    std::string key(reinterpret_cast<const char*>(e->data.scalar.value), e->data.scalar.length);
    ASSIGN_OR_RETURN(const yaml_event_t* v, reader.Next());
    ASSIGN_OR_RETURN(out[key], ReadNode(reader, *v, depth + 1));
  }
}

}  // namespace

StatusOr<nlohmann::json> ParseYaml(std::string_view text) {
  EventReader reader(text);
  while (true) {
    ASSIGN_OR_RETURN(const yaml_event_t* e, reader.Next());
    if (e->type == YAML_STREAM_END_EVENT) return nlohmann::json();
    if (e->type == YAML_STREAM_START_EVENT || e->type == YAML_DOCUMENT_START_EVENT) continue;
    if (e->type == YAML_DOCUMENT_END_EVENT) return nlohmann::json();
    // Copy: reading the node's children replaces the reader's current event.
    yaml_event_t first = *e;
    if (first.type == YAML_SCALAR_EVENT) return Scalar(first);
    return ReadNode(reader, first, 0);
  }
}

}  // namespace berth
