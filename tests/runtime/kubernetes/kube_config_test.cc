// Kubeconfig and in-cluster parsing, base64, ExecCredential and the exec plugin, YAML.
#include "runtime/kubernetes/kube_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/kubernetes/kube_credentials.h"
#include "runtime/kubernetes/kube_objects.h"
#include "runtime/kubernetes/kube_yaml.h"
#include "store/store_test_util.h"

namespace berth {
namespace {

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

constexpr const char* kConfig = R"(apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster:
    server: https://127.0.0.1:6443
    tls-server-name: kubernetes.example
    certificate-authority-data: LS0tLS1CRUdJTg==
- name: c2
  cluster:
    server: https://[::1]:7443
    insecure-skip-tls-verify: true
users:
- name: tok
  user:
    token: abc123
- name: file
  user:
    tokenFile: token.txt
- name: plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ./plugin.sh
      args: ["--region", "x"]
      env: [{name: FOO, value: bar}]
contexts:
- name: a
  context: {cluster: c1, user: tok, namespace: models}
- name: b
  context: {cluster: c2, user: file}
- name: p
  context: {cluster: c1, user: plugin}
current-context: a
)";

TEST(KubeConfigTest, CurrentContextWithTokenAndCaData) {
  auto c = ParseKubeconfig(kConfig, "/tmp", "");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://127.0.0.1:6443");
  EXPECT_EQ(c->ca_pem, "-----BEGIN");
  EXPECT_EQ(c->tls_server_name, "kubernetes.example");
  EXPECT_EQ(c->token, "abc123");
  EXPECT_EQ(c->kube_namespace, "models");
}

TEST(KubeConfigTest, TokenFileIsReadAgainAsItRotates) {
  testing::TempDir temp;
  const std::string dir = temp.path().string();
  Write(dir + "/token.txt", "first\n");
  auto c = ParseKubeconfig(kConfig, dir, "b");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->insecure_skip_tls_verify);
  FakeClock clock;
  KubeCredentials creds(*c, clock);
  EXPECT_EQ(*creds.BearerToken(), "first");
  Write(dir + "/token.txt", "second\n");
  EXPECT_EQ(*creds.BearerToken(), "second");
}

TEST(KubeConfigTest, ExecPluginTokenIsCachedUntilItNearlyExpires) {
  testing::TempDir temp;
  const std::string dir = temp.path().string();
  Write(
      dir + "/plugin.sh",
      "#!/bin/sh\necho run >> \"$(dirname \"$0\")/runs\"\n"
      "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\","
      "\"status\":{\"token\":\"t-'$FOO'-'$2'\",\"expirationTimestamp\":\"2025-06-15T15:00:00Z\"}}'"
      "\n");
  std::filesystem::permissions(dir + "/plugin.sh", std::filesystem::perms::owner_all);
  std::filesystem::remove(dir + "/runs");
  auto c = ParseKubeconfig(kConfig, dir, "p");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  c->exec->command = dir + "/plugin.sh";
  FakeClock clock(std::chrono::system_clock::from_time_t(1750000000));  // 2025-06-15T15:06:40Z
  clock.SetWallTime(std::chrono::system_clock::from_time_t(1749999000 - 3600));
  KubeCredentials creds(*c, clock);
  EXPECT_EQ(*creds.BearerToken(), "t-bar-x");
  EXPECT_EQ(*creds.BearerToken(), "t-bar-x");
  std::ifstream runs(dir + "/runs");
  std::string all((std::istreambuf_iterator<char>(runs)), {});
  EXPECT_EQ(all, "run\n");                                                // cached
  clock.SetWallTime(std::chrono::system_clock::from_time_t(1750000000));  // past expiry
  EXPECT_EQ(*creds.BearerToken(), "t-bar-x");
  std::ifstream runs2(dir + "/runs");
  std::string all2((std::istreambuf_iterator<char>(runs2)), {});
  EXPECT_EQ(all2, "run\nrun\n");
}

TEST(KubeConfigTest, FailingPluginIsUnauthenticated) {
  ExecPlugin p{"/bin/false", {}, {}};
  EXPECT_EQ(RunExecPlugin(p).status().code(), StatusCode::kUnauthenticated);
  EXPECT_FALSE(ParseExecCredential(R"({"status":{}})").ok());
}

TEST(KubeConfigTest, BadConfigsSayWhat) {
  EXPECT_NE(ParseKubeconfig(kConfig, "/tmp", "zz").status().message().find("context \"zz\""),
            std::string::npos);
  EXPECT_NE(ParseKubeconfig("clusters: [", "/tmp", "").status().message().find("line"),
            std::string::npos);
  std::string http = std::string(kConfig);
  http.replace(http.find("https://127"), 5, "http");
  EXPECT_NE(ParseKubeconfig(http, "/tmp", "").status().message().find("https://"),
            std::string::npos);
  EXPECT_NE(LoadKubeconfig("/nonexistent/kc", "").status().message().find("/nonexistent/kc"),
            std::string::npos);
}

TEST(KubeConfigTest, InClusterReadsTheServiceAccountFiles) {
  testing::TempDir temp;
  const std::string dir = temp.File("sa");
  std::filesystem::create_directories(dir);
  Write(dir + "/token", "tok\n");
  Write(dir + "/ca.crt", "CA");
  Write(dir + "/namespace", "berth\n");
  auto c = InClusterConnection("10.96.0.1", "443", dir);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->kube_namespace, "berth");
  EXPECT_EQ(c->token_file, dir + "/token");
  EXPECT_EQ(InClusterConnection("", "", dir).status().code(), StatusCode::kFailedPrecondition);
}

TEST(KubeObjectsTest, NamesAreDns1123AndCollisionFree) {
  std::string a = KubeObjectName("Qwen_Plus.A1!!", "uid-1");
  EXPECT_EQ(a.substr(0, 13), "qwen-plus-a1-");
  EXPECT_NE(a, KubeObjectName("Qwen_Plus.A1!!", "uid-2"));
  EXPECT_NE(KubeObjectName("a-b", "u"), KubeObjectName("a_b", "v"));
  std::string long_name = KubeObjectName(std::string(200, 'x'), "u");
  EXPECT_LE(long_name.size(), 63u);
  EXPECT_EQ(KubeObjectName("7b", "u").substr(0, 4), "m-7b");
  EXPECT_EQ(LabelValue("-a/b-"), "a_b");
}

TEST(KubeYamlTest, FlowAndBlockStyles) {
  auto j = ParseYaml("a: {b: [1, true, x]}\nc: ~\n");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["a"]["b"][1], true);
  EXPECT_EQ((*j)["a"]["b"][0], "1");
  EXPECT_TRUE((*j)["c"].is_null());
  EXPECT_FALSE(ParseYaml("a: *x").ok());
}

}  // namespace
}  // namespace berth
