// Engine templates: the command line and environment that start one model-engine replica,
// with placeholders filled in per replica. Pure functions and plain values; safe anywhere.
//
// Placeholders are `{name}` with name one of: port, served_model_name, model_name, model_path,
// gpus, units, replica_id. `{{` and `}}` stand for literal braces; any other brace is kept as
// is, so JSON arguments such as '{"temperature": 0}' need no escaping. An unknown `{word}` is
// an error (most likely a typo that would otherwise reach the engine).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace berth {

struct TemplateValues {
  int port = 0;
  std::string served_model_name;  // the name clients (and the gateway) send as `model`
  std::string model_name;         // the catalog model
  std::string model_path;         // from the engines config; may itself use placeholders
  std::string gpus;               // device indices of the replica's units, "0,1"; may be empty
  int units = 0;                  // units the replica occupies
  std::string replica_id;
};

// Every placeholder name, in documentation order.
const std::vector<std::string_view>& TemplatePlaceholders();

// Fills the placeholders of `text`. InvalidArgument naming an unknown placeholder.
StatusOr<std::string> ExpandTemplate(std::string_view text, const TemplateValues& values);

// Checks `text` without values: OK when every placeholder is known.
Status CheckTemplate(std::string_view text);

struct ExpandedCommand {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
};

// Expands every argument and environment value; `values.model_path` is expanded first (so a
// family entry can say "/models/{model_name}"). InvalidArgument on an empty argv or an unknown
// placeholder, naming where it is.
StatusOr<ExpandedCommand> ExpandCommand(const std::vector<std::string>& argv,
                                        const std::map<std::string, std::string>& env,
                                        TemplateValues values);

}  // namespace berth
