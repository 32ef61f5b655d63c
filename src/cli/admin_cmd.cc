// `berth admin workspaces|keys|models …`: the admin routes (/api/v1/admin/...), for admin keys.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>

#include "cli/commands.h"
#include "cli/table.h"

namespace berth::cli {
namespace {

using Columns = std::vector<std::pair<std::string, std::string>>;  // title, JSON member

// A table of output[list] with the given columns (times shortened), then "N total".
std::string RenderList(const Json& output, const char* list, const Columns& columns, bool color) {
  std::vector<Column> header;
  for (const auto& [title, member] : columns) header.push_back({title});
  Table table(header);
  if (output.contains(list) && output[list].is_array()) {
    for (const Json& item : output[list]) {
      std::vector<Cell> row;
      for (const auto& [title, member] : columns) {
        std::string text = Text(item, member.c_str());
        if (item.contains(member) && item[member].is_array()) {
          text.clear();
          for (const Json& v : item[member])
            text += (text.empty() ? "" : ",") + v.get<std::string>();
        }
        row.emplace_back(member.starts_with("gmt_") ? ShortTime(text) : text);
      }
      table.AddRow(std::move(row));
    }
  }
  return table.Render(color) + fmt::format("{} total\n", Int(output, "total"));
}

// "field  value" lines for a created or deleted object.
std::string RenderObject(const Json& object) {
  std::string out;
  for (const auto& [key, value] : object.items()) {
    out += fmt::format("{:<14} {}\n", key + ":",
                       value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out;
}

CLI::App* Leaf(CLI::App* group, CliContext& ctx, const char* name, const char* help,
               const std::string& example) {
  CLI::App* cmd = group->add_subcommand(name, help);
  AddCommonOptions(cmd, &ctx.common);
  SetExample(cmd, example);
  return cmd;
}

void AddListLeaf(CLI::App* group, CliContext& ctx, const std::string& noun, const char* list,
                 Columns columns) {
  CLI::App* cmd = Leaf(group, ctx, "list", ("List " + noun).c_str(),
                       "berth admin " + std::string(group->get_name()) + " list");
  std::string path = "/admin/" + group->get_name();
  OnRun(cmd, ctx, [&ctx, path, list, columns] {
    return WithClient(ctx, [&](const ApiClient& client) {
      return Show(ctx, client.Get(path), [&](const Json& out) {
        return RenderList(out, list, columns, ctx.terminal.color);
      });
    });
  });
}

// `delete ID`: DELETE /admin/<group>/<id>.
void AddDeleteLeaf(CLI::App* group, CliContext& ctx, const char* help, const char* example) {
  auto id = std::make_shared<std::string>();
  CLI::App* cmd = Leaf(group, ctx, "delete", help, example);
  cmd->add_option("id", *id, "What to delete")->required();
  std::string path = "/admin/" + group->get_name() + "/";
  OnRun(cmd, ctx, [&ctx, id, path] {
    return WithClient(ctx, [&](const ApiClient& client) {
      return Show(ctx, client.Delete(path + EncodeSegment(*id)), RenderObject);
    });
  });
}

void AddWorkspaces(CLI::App* admin, CliContext& ctx) {
  CLI::App* group = admin->add_subcommand("workspaces", "Workspaces (tenants)");
  group->require_subcommand(1);
  AddListLeaf(group, ctx, "workspaces", "workspaces",
              {{"WORKSPACE", "workspace_id"}, {"NAME", "name"}, {"CREATED", "gmt_create"}});
  auto name = std::make_shared<std::string>();
  CLI::App* create =
      Leaf(group, ctx, "create", "Create a workspace", "berth admin workspaces create team-a");
  create->add_option("name", *name, "The workspace's name")->required();
  OnRun(create, ctx, [&ctx, name] {
    return WithClient(ctx, [&](const ApiClient& client) {
      return Show(ctx, client.Post("/admin/workspaces", {{"name", *name}}), RenderObject);
    });
  });
}

struct KeyArgs {
  std::string workspace_id;
  bool admin = false;
};

void AddKeys(CLI::App* admin, CliContext& ctx) {
  CLI::App* group = admin->add_subcommand("keys", "API keys");
  group->require_subcommand(1);
  AddListLeaf(group, ctx, "API keys (never their secrets)", "keys",
              {{"KEY", "key_id"},
               {"WORKSPACE", "workspace_id"},
               {"ADMIN", "admin"},
               {"PREFIX", "key_prefix"},
               {"CREATED", "gmt_create"}});
  auto a = std::make_shared<KeyArgs>();
  CLI::App* create =
      Leaf(group, ctx, "create", "Create an API key; its secret is shown only this once",
           "berth admin keys create --workspace-id llm-92a5ey3wfsn2og8r");
  create->add_option("--workspace-id", a->workspace_id,
                     "Workspace the key belongs to (default: the caller's)");
  create->add_flag("--admin", a->admin, "Make it an admin key");
  OnRun(create, ctx, [&ctx, a] {
    Json body = {{"admin", a->admin}};
    if (!a->workspace_id.empty()) body["workspace_id"] = a->workspace_id;
    return WithClient(ctx, [&](const ApiClient& client) {
      return Show(ctx, client.Post("/admin/keys", body), RenderObject);
    });
  });
  AddDeleteLeaf(group, ctx, "Delete an API key (it stops working at once)",
                "berth admin keys delete key-5eb70288b3d4");
}

struct ModelArgs {
  std::string name;
  std::string base_model;
  std::vector<std::string> plans;
};

void AddModels(CLI::App* admin, CliContext& ctx) {
  CLI::App* group = admin->add_subcommand("models", "Custom (fine-tuned) models");
  group->require_subcommand(1);
  AddListLeaf(group, ctx, "custom models", "models",
              {{"MODEL", "model_name"},
               {"BASE MODEL", "base_model"},
               {"PLANS", "plans"},
               {"CREATED", "gmt_create"}});
  auto a = std::make_shared<ModelArgs>();
  CLI::App* add = Leaf(group, ctx, "add", "Register a custom model",
                       "berth admin models add qwen3-8b-ft-202511132025-0260 "
                       "--base-model qwen3-8b --plan lora");
  add->add_option("model_name", a->name, "The custom model's name")->required();
  add->add_option("--base-model", a->base_model, "The model it was tuned from")->required();
  add->add_option("--plan", a->plans, "Plan(s) it can be deployed on: mu, lora (default lora)");
  OnRun(add, ctx, [&ctx, a] {
    Json body = {{"model_name", a->name}, {"base_model", a->base_model}};
    if (!a->plans.empty()) body["plans"] = a->plans;
    return WithClient(ctx, [&](const ApiClient& client) {
      return Show(ctx, client.Post("/admin/models", body), RenderObject);
    });
  });
  AddDeleteLeaf(group, ctx, "Remove a custom model (refused while it is deployed)",
                "berth admin models delete qwen3-8b-ft-202511132025-0260");
}

}  // namespace

void AddAdminCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* admin = app.add_subcommand("admin", "Manage workspaces, keys and models (client)");
  admin->require_subcommand(1);
  AddWorkspaces(admin, ctx);
  AddKeys(admin, ctx);
  AddModels(admin, ctx);
}

}  // namespace berth::cli
