#include "runtime/kubernetes/kube_credentials.h"

#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

namespace berth {
namespace {

constexpr auto kRefreshEarly = std::chrono::seconds(60);
constexpr size_t kMaxPluginOutput = 1 << 20;

std::string Trim(std::string s) {
  while (!s.empty() && isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t start = 0;
  while (start < s.size() && isspace(static_cast<unsigned char>(s[start]))) ++start;
  return s.substr(start);
}

// RFC 3339 "2026-11-29T22:00:00Z" (fractions and offsets other than Z are not used by plugins).
std::optional<SystemTime> ParseRfc3339(const std::string& text) {
  std::tm tm{};
  if (strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// Runs argv with extra env, returns stdout. Stderr is inherited (the plugin's hints reach the
// operator's log).
StatusOr<std::string> RunCapture(const ExecPlugin& plugin) {
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string name(entry.substr(0, entry.find('=')));
    if (!plugin.env.count(name) && name != "KUBERNETES_EXEC_INFO") env_text.emplace_back(entry);
  }
  for (const auto& [k, v] : plugin.env) env_text.push_back(k + "=" + v);
  env_text.push_back(R"(KUBERNETES_EXEC_INFO={"apiVersion":"client.authentication.k8s.io/v1beta1",)"
                     R"("kind":"ExecCredential","spec":{"interactive":false}})");
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(plugin.command.c_str()));
  for (const std::string& a : plugin.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int out[2];
  if (pipe(out) != 0) return Unavailable("exec plugin: cannot create a pipe");
  pid_t pid = fork();
  if (pid < 0) return Unavailable("exec plugin: cannot fork");
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execvpe(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0 && text.size() < kMaxPluginOutput) {
    text.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Unauthenticated("exec plugin " + plugin.command + " failed (exit status " +
                           std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
  return text;
}

}  // namespace

StatusOr<ExecCredential> ParseExecCredential(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object() || !j.contains("status") || !j["status"].is_object()) {
    return InvalidArgument("not an ExecCredential with a status");
  }
  const nlohmann::json& s = j["status"];
  ExecCredential c;
  if (s.contains("token") && s["token"].is_string()) c.token = s["token"].get<std::string>();
  if (c.token.empty()) {
    return InvalidArgument(
        "ExecCredential has no status.token (client certificates from a "
        "plugin are not supported)");
  }
  if (s.contains("expirationTimestamp") && s["expirationTimestamp"].is_string()) {
    std::optional<SystemTime> t = ParseRfc3339(s["expirationTimestamp"].get<std::string>());
    if (!t) return InvalidArgument("ExecCredential has a bad status.expirationTimestamp");
    c.expires = *t;
  }
  return c;
}

StatusOr<ExecCredential> RunExecPlugin(const ExecPlugin& plugin) {
  ASSIGN_OR_RETURN(std::string out, RunCapture(plugin));
  StatusOr<ExecCredential> c = ParseExecCredential(out);
  if (!c.ok())
    return Unauthenticated("exec plugin " + plugin.command + ": " + c.status().message());
  return c;
}

KubeCredentials::KubeCredentials(const KubeConnection& connection, const Clock& clock)
    : connection_(connection), clock_(clock) {}

StatusOr<std::string> KubeCredentials::BearerToken() {
  if (!connection_.token.empty()) return connection_.token;
  if (!connection_.token_file.empty()) {
    StatusOr<std::string> text = ReadWholeFile(connection_.token_file);
    if (!text.ok()) return Unauthenticated("cannot read token file " + connection_.token_file);
    return Trim(*text);
  }
  if (connection_.exec) {
    std::lock_guard lock(mu_);
    return RunPlugin();
  }
  return std::string();
}

StatusOr<std::string> KubeCredentials::RunPlugin() {
  bool expiring = exec_expires_ != SystemTime{} && clock_.Now() + kRefreshEarly >= exec_expires_;
  if (!exec_token_.empty() && !expiring) return exec_token_;
  ASSIGN_OR_RETURN(ExecCredential c, RunExecPlugin(*connection_.exec));
  exec_token_ = c.token;
  exec_expires_ = c.expires;
  return exec_token_;
}

void KubeCredentials::Invalidate() {
  std::lock_guard lock(mu_);
  exec_token_.clear();
}

}  // namespace berth
