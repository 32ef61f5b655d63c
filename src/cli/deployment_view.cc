#include "cli/deployment_view.h"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "cli/cli_context.h"
#include "cli/table.h"

namespace berth::cli {
namespace {

std::string PlanText(const Json& d) {
  std::string plan = Text(d, "plan");
  std::string spec = Text(d, "model_unit_spec");
  return spec.empty() ? plan : plan + " (" + spec + ")";
}

std::string PtuText(const Json& ptu) {
  std::string text = fmt::format("input {} tpm, output {} tpm", FormatCount(Int(ptu, "input_tpm")),
                                 FormatCount(Int(ptu, "output_tpm")));
  if (ptu.contains("thinking_output_tpm")) {
    text += fmt::format(", thinking {} tpm", FormatCount(Int(ptu, "thinking_output_tpm")));
  }
  return text;
}

// The optional lines of the detail view, in display order, only those the object carries.
std::vector<std::pair<std::string, std::string>> OptionalFields(const Json& d) {
  std::vector<std::pair<std::string, std::string>> fields;
  auto add = [&](const char* label, const char* name) {
    if (d.contains(name) && !d[name].is_null()) fields.emplace_back(label, Text(d, name));
  };
  if (d.contains("ptu_capacity") && d["ptu_capacity"].is_object()) {
    fields.emplace_back("ptu capacity", PtuText(d["ptu_capacity"]));
  }
  add("overflow", "overflow_strategy");
  add("thinking", "enable_thinking");
  add("max context", "max_context_length");
  add("rpm limit", "rpm_limit");
  add("tpm limit", "tpm_limit");
  add("fail reason", "fail_reason");
  return fields;
}

}  // namespace

std::string ReadyText(const Json& d) {
  return fmt::format("{}/{}", Int(d, "ready_capacity"), Int(d, "capacity"));
}

std::string RenderDeployment(const Json& d, bool color) {
  std::vector<std::pair<std::string, Cell>> rows = {
      {"deployed model", Text(d, "deployed_model")},
      {"name", Text(d, "name")},
      {"status", Cell(Text(d, "status"), StatusStyle(Text(d, "status")))},
      {"ready", fmt::format("{} (base capacity {})", ReadyText(d), Int(d, "base_capacity"))},
      {"model", Text(d, "model_name")},
      {"plan", PlanText(d)},
  };
  if (Text(d, "base_model") != Text(d, "model_name"))
    rows.push_back({"base model", Text(d, "base_model")});
  for (auto& [label, value] : OptionalFields(d)) rows.push_back({label, value});
  rows.push_back({"workspace", Text(d, "workspace_id")});
  rows.push_back({"created", ShortTime(Text(d, "gmt_create")) + " by " + Text(d, "creator")});
  rows.push_back({"modified", ShortTime(Text(d, "gmt_modified")) + " by " + Text(d, "modifier")});
  size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  std::string out;
  for (const auto& [label, cell] : rows) {
    bool styled = color && cell.style != Style::kPlain;
    out += fmt::format("{:<{}}  {}{}{}\n", label + ":", width + 1,
                       styled ? AnsiStart(cell.style) : "", cell.text, styled ? kAnsiReset : "");
  }
  return out;
}

std::string RenderDeploymentList(const Json& output, bool color) {
  const Json& items = Array(output, "deployments");
  if (items.empty()) return "No deployments.\n";
  Table table(
      {{"DEPLOYED MODEL"}, {"NAME"}, {"PLAN"}, {"STATUS"}, {"READY", Align::kRight}, {"CREATED"}});
  for (const Json& d : items) {
    std::string status = Text(d, "status");
    table.AddRow({Text(d, "deployed_model"), Text(d, "name"), PlanText(d),
                  Cell(status, StatusStyle(status)), ReadyText(d),
                  ShortTime(Text(d, "gmt_create"))});
  }
  return table.Render(color) + fmt::format("{} of {} deployments (page {})\n", items.size(),
                                           Int(output, "total"), Int(output, "page_no"));
}

std::string RenderEvents(const Json& output, bool color) {
  const Json& items = Array(output, "events");
  if (items.empty()) return "No events.\n";
  Table table({{"TIME"}, {"TYPE"}, {"STATUS"}, {"READY", Align::kRight}, {"ACTOR"}, {"MESSAGE"}});
  for (const Json& e : items) {
    std::string status = Text(e, "status");
    table.AddRow({ShortTime(Text(e, "time")), Text(e, "type"), Cell(status, StatusStyle(status)),
                  ReadyText(e), Text(e, "actor"), Text(e, "message")});
  }
  return table.Render(color);
}

std::string RenderReplicas(const Json& output, bool color) {
  const Json& items = Array(output, "replicas");
  if (items.empty()) return "No replicas.\n";
  Table table({{"REPLICA"},
               {"STATE"},
               {"UNITS", Align::kRight},
               {"PID", Align::kRight},
               {"PORT", Align::kRight},
               {"RESTARTS", Align::kRight},
               {"STARTED"},
               {"LAST ERROR"}});
  for (const Json& r : items) {
    std::string state = Text(r, "state");
    auto or_dash = [&](const char* name) {
      return Int(r, name) == 0 ? std::string("-") : std::to_string(Int(r, name));
    };
    table.AddRow({Text(r, "replica_id"), Cell(state, StatusStyle(state)), Text(r, "units"),
                  or_dash("pid"), or_dash("port"), Text(r, "restarts"),
                  ShortTime(Text(r, "gmt_started")), Text(r, "last_error")});
  }
  return table.Render(color);
}

}  // namespace berth::cli
