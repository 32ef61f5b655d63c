#include "runtime/kubernetes/kube_config.h"

#include <fstream>
#include <sstream>

#include "runtime/kubernetes/kube_yaml.h"

namespace berth {
namespace {

using Json = nlohmann::json;

std::string Str(const Json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) return "";
  return obj[key].get<std::string>();
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

// obj[key] when it is a mapping, else null (const operator[] on a missing key is undefined).
const Json* Mapping(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? &*it : nullptr;
}

// The entry of list `list` (clusters, users, contexts) called `name`, or null.
const Json* Named(const Json& root, const char* list, const std::string& name) {
  if (!root.contains(list) || !root[list].is_array()) return nullptr;
  for (const Json& item : root[list]) {
    if (Str(item, "name") == name) return &item;
  }
  return nullptr;
}

// `<field>-data` (base64) or `<field>` (a file), or "" when neither is given.
StatusOr<std::string> DataOrFile(const Json& obj, const std::string& field,
                                 const std::string& base_dir) {
  std::string data = Str(obj, (field + "-data").c_str());
  if (!data.empty()) {
    StatusOr<std::string> decoded = DecodeBase64(data);
    if (!decoded.ok()) return InvalidArgument(field + "-data: " + decoded.status().message());
    return decoded;
  }
  std::string file = Str(obj, field.c_str());
  if (file.empty()) return std::string();
  return ReadWholeFile(Resolve(base_dir, file));
}

StatusOr<ExecPlugin> ParseExec(const Json& exec) {
  ExecPlugin plugin;
  plugin.command = Str(exec, "command");
  if (plugin.command.empty()) return InvalidArgument("user.exec.command is missing");
  if (exec.contains("args") && exec["args"].is_array()) {
    for (const Json& a : exec["args"]) {
      if (!a.is_string()) return InvalidArgument("user.exec.args must be strings");
      plugin.args.push_back(a.get<std::string>());
    }
  }
  if (exec.contains("env") && exec["env"].is_array()) {
    for (const Json& e : exec["env"]) plugin.env[Str(e, "name")] = Str(e, "value");
  }
  return plugin;
}

Status ParseUser(const Json& user, const std::string& base_dir, KubeConnection& c) {
  c.token = Str(user, "token");
  std::string token_file = Str(user, "tokenFile");
  if (!token_file.empty()) c.token_file = Resolve(base_dir, token_file);
  ASSIGN_OR_RETURN(c.client_cert_pem, DataOrFile(user, "client-certificate", base_dir));
  ASSIGN_OR_RETURN(c.client_key_pem, DataOrFile(user, "client-key", base_dir));
  if (c.client_cert_pem.empty() != c.client_key_pem.empty()) {
    return InvalidArgument("user needs both client-certificate and client-key");
  }
  if (user.contains("exec") && user["exec"].is_object()) {
    ASSIGN_OR_RETURN(c.exec, ParseExec(user["exec"]));
  }
  if (user.contains("auth-provider")) {
    return InvalidArgument("user.auth-provider is not supported; use an exec plugin");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

StatusOr<std::string> DecodeBase64(std::string_view text) {
  std::string out;
  int bits = 0;
  uint32_t acc = 0;
  for (char ch : text) {
    int v = -1;
    if (ch >= 'A' && ch <= 'Z')
      v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z')
      v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9')
      v = ch - '0' + 52;
    else if (ch == '+')
      v = 62;
    else if (ch == '/')
      v = 63;
    else if (ch == '=' || ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t')
      continue;
    else
      return InvalidArgument("not base64");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

StatusOr<KubeConnection> ParseKubeconfig(std::string_view text, const std::string& base_dir,
                                         const std::string& context) {
  ASSIGN_OR_RETURN(Json root, ParseYaml(text));
  if (!root.is_object()) return InvalidArgument("a kubeconfig must be a mapping");
  std::string name = context.empty() ? Str(root, "current-context") : context;
  if (name.empty()) return InvalidArgument("no current-context and no context given");
  const Json* ctx = Named(root, "contexts", name);
  if (!ctx || !Mapping(*ctx, "context")) {
    return InvalidArgument("context \"" + name + "\" is not in the kubeconfig");
  }
  const Json& cx = *Mapping(*ctx, "context");
  KubeConnection c;
  c.source = "context " + name;
  c.kube_namespace = Str(cx, "namespace");
  const Json* cluster = Named(root, "clusters", Str(cx, "cluster"));
  if (!cluster || !Mapping(*cluster, "cluster")) {
    return InvalidArgument("cluster \"" + Str(cx, "cluster") + "\" of context \"" + name +
                           "\" is not in the kubeconfig");
  }
  const Json& cl = *Mapping(*cluster, "cluster");
  c.server = Str(cl, "server");
  if (c.server.rfind("https://", 0) != 0) {
    return InvalidArgument("cluster server must be an https:// URL, got \"" + c.server + "\"");
  }
  // Only a boolean true counts (value() would throw on a string such as "yes").
  c.insecure_skip_tls_verify =
      cl.contains("insecure-skip-tls-verify") && cl["insecure-skip-tls-verify"] == true;
  c.tls_server_name = Str(cl, "tls-server-name");
  ASSIGN_OR_RETURN(c.ca_pem, DataOrFile(cl, "certificate-authority", base_dir));
  std::string user_name = Str(cx, "user");
  if (!user_name.empty()) {
    const Json* user = Named(root, "users", user_name);
    if (!user) return InvalidArgument("user \"" + user_name + "\" is not in the kubeconfig");
    if (const Json* u = Mapping(*user, "user")) {
      RETURN_IF_ERROR(ParseUser(*u, base_dir, c));
    }
  }
  return c;
}

StatusOr<KubeConnection> LoadKubeconfig(const std::string& path, const std::string& context) {
  std::string first = path.substr(0, path.find(':'));
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(first));
  std::string dir = first.find('/') == std::string::npos ? "." : first.substr(0, first.rfind('/'));
  StatusOr<KubeConnection> c = ParseKubeconfig(text, dir, context);
  if (!c.ok()) return InvalidArgument("kubeconfig " + first + ": " + c.status().message());
  c->source = "kubeconfig " + first + " (" + c->source + ")";
  return c;
}

StatusOr<KubeConnection> InClusterConnection(const std::string& host, const std::string& port,
                                             const std::string& sa_dir) {
  if (host.empty() || port.empty()) {
    return FailedPrecondition(
        "not in a cluster (KUBERNETES_SERVICE_HOST is unset): pass --kubeconfig or set "
        "KUBECONFIG");
  }
  KubeConnection c;
  c.source = "in-cluster service account";
  bool v6 = host.find(':') != std::string::npos;
  c.server = "https://" + (v6 ? "[" + host + "]" : host) + ":" + port;
  c.token_file = sa_dir + "/token";
  ASSIGN_OR_RETURN(c.ca_pem, ReadWholeFile(sa_dir + "/ca.crt"));
  StatusOr<std::string> ns = ReadWholeFile(sa_dir + "/namespace");
  if (ns.ok()) {
    c.kube_namespace = *ns;
    while (!c.kube_namespace.empty() && isspace(c.kube_namespace.back()))
      c.kube_namespace.pop_back();
  }
  RETURN_IF_ERROR(ReadWholeFile(c.token_file).status());
  return c;
}

}  // namespace berth
