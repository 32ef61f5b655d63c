#include "runtime/process/engines_config.h"

#include <gtest/gtest.h>

#include <string>

namespace berth {
namespace {

EngineTemplate Builtin() { return EngineSimTemplate("/usr/bin/berth", 500); }

TEST(EngineSimTemplateTest, RunsBerthEngineSim) {
  EngineTemplate t = Builtin();
  EXPECT_EQ(t.command, (std::vector<std::string>{"/usr/bin/berth", "engine-sim", "--port", "{port}",
                                                 "--served-model-name", "{served_model_name}",
                                                 "--startup-ms", "500"}));
  EXPECT_EQ(t.health.path, "/health");
  EXPECT_EQ(t.match, "(built-in)");
}

TEST(ParseEnginesConfigTest, FullEntry) {
  StatusOr<EnginesConfig> config = ParseEnginesConfig(R"({
    "comment": "one box, 8 GPUs",
    "engines": {
      "qwen3-*": {
        "command": ["vllm", "serve", "{model_path}", "--port", "{port}"],
        "env": {"CUDA_VISIBLE_DEVICES": "{gpus}"},
        "model_path": "/models/{model_name}",
        "health_path": "/v1/models",
        "startup_timeout_s": 900,
        "ptu_tpm_per_replica": {"input": 200000, "output": 20000},
        "_note": "ignored"
      }
    }
  })",
                                                      Builtin());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const EngineTemplate& t = config->Resolve("qwen3-8b", "qwen3-8b");
  EXPECT_EQ(t.match, "qwen3-*");
  EXPECT_EQ(t.command.front(), "vllm");
  EXPECT_EQ(t.env.at("CUDA_VISIBLE_DEVICES"), "{gpus}");
  EXPECT_EQ(t.model_path, "/models/{model_name}");
  EXPECT_EQ(t.health.path, "/v1/models");
  EXPECT_EQ(t.startup_timeout, Millis(900000));
  ASSERT_TRUE(t.ptu_sizing.has_value());
  EXPECT_EQ(t.ptu_sizing->input_tpm_per_replica, 200000);
  EXPECT_EQ(t.ptu_sizing->output_tpm_per_replica, 20000);
}

TEST(ParseEnginesConfigTest, Defaults) {
  StatusOr<EnginesConfig> config =
      ParseEnginesConfig(R"({"engines": {"m": {"command": ["x"]}}})", Builtin());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const EngineTemplate& t = config->Resolve("m", "m");
  EXPECT_EQ(t.health.path, "/health");
  EXPECT_EQ(t.startup_timeout, Millis(600000));
  EXPECT_TRUE(t.env.empty());
  EXPECT_FALSE(t.ptu_sizing.has_value());
}

TEST(EnginesConfigTest, ResolveOrder) {
  StatusOr<EnginesConfig> config = ParseEnginesConfig(R"({"engines": {
    "*": {"command": ["star"]},
    "qwen*": {"command": ["qwen-family"]},
    "qwen3-*": {"command": ["qwen3-family"]},
    "qwen3-8b": {"command": ["exact"]},
    "my-base": {"command": ["base-exact"]}
  }})",
                                                      Builtin());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  struct Case {
    std::string model, base, want;
  };
  const Case cases[] = {
      {"qwen3-8b", "qwen3-8b", "exact"},
      {"qwen3-32b", "qwen3-32b", "qwen3-family"},  // the longest prefix wins
      {"qwen2.5-7b", "qwen2.5-7b", "qwen-family"},
      {"deepseek-r1", "deepseek-r1", "star"},
      {"my-finetune", "my-base", "base-exact"},  // a custom model uses its base's engine
      {"my-finetune", "qwen3-8b", "exact"},      // an exact base beats a model prefix
      {"qwen3-ft", "other", "qwen3-family"},
      {"", "", "star"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(config->Resolve(c.model, c.base).command.front(), c.want) << c.model;
  }
  EnginesConfig empty(Builtin());
  EXPECT_EQ(empty.Resolve("qwen3-8b", "qwen3-8b").match, "(built-in)");
}

TEST(ParseEnginesConfigTest, Errors) {
  struct Case {
    std::string json;
    std::string contains;
  };
  const Case cases[] = {
      {"not json", "not valid JSON"},
      {"[]", "must be a JSON object"},
      {R"({"engine": {}})", "unknown top-level field \"engine\""},
      {R"({"engines": []})", "\"engines\" must be an object"},
      {R"({"engines": {"m": {}}})", "engines[\"m\"].command is required"},
      {R"({"engines": {"m": {"command": []}}})", "command must be a non-empty array"},
      {R"({"engines": {"m": {"command": "vllm serve"}}})", "command must be a non-empty array"},
      {R"({"engines": {"m": {"command": ["x", 1]}}})", "must hold only strings"},
      {R"({"engines": {"m": {"command": [""]}}})", "must not start with"},
      {R"({"engines": {"m": {"command": ["x", "{prot}"]}}})", "unknown placeholder {prot}"},
      {R"({"engines": {"m": {"command": ["x"], "env": {"A": 1}}}})", "env.A must be a string"},
      {R"({"engines": {"m": {"command": ["x"], "env": {"A=B": "1"}}}})", "bad variable name"},
      {R"({"engines": {"m": {"command": ["x"], "env": {"A": "{bad}"}}}})", "unknown placeholder"},
      {R"({"engines": {"m": {"command": ["x"], "health_path": "health"}}})", "starting with /"},
      {R"({"engines": {"m": {"command": ["x"], "startup_timeout_s": 0}}})", "positive number"},
      // Found by tests/fuzz/fuzz_engines_config: 1e300 s overflowed the conversion to
      // milliseconds (undefined behaviour), 1e-300 s became a timeout of 0.
      {R"({"engines": {"m": {"command": ["x"], "startup_timeout_s": 1e300}}})",
       "from 0.001 to 86400"},
      {R"({"engines": {"m": {"command": ["x"], "startup_timeout_s": 1e-300}}})",
       "from 0.001 to 86400"},
      // ... and a per-replica tpm near INT64_MAX overflowed sizing a ptu deployment.
      {R"({"engines": {"m": {"command": ["x"], "ptu_tpm_per_replica": {"input": 9223372036854775807}}}})",
       "positive integer up to 1000000000"},
      {R"({"engines": {"m": {"command": ["x"], "ptu_tpm_per_replica": {"input": 0}}}})",
       "positive integer"},
      {R"({"engines": {"m": {"command": ["x"], "ptu_tpm_per_replica": {"in": 5}}}})",
       "unknown field \"in\""},
      {R"({"engines": {"m": {"command": ["x"], "comand": ["y"]}}})",
       "engines[\"m\"].comand is not a known field"},
      {R"({"engines": {"m": {"command": ["x"], "kind": "tgi"}}})",
       "kind must be one of vllm, sglang, llamacpp, openai"},
      {R"({"engines": {"m": {"command": ["x"], "health": {"timeout_s": 0}}}})",
       "health.timeout_s must be a positive number of seconds"},
      {R"({"engines": {"m": {"command": ["x"], "health": {"unready_after": 0}}}})",
       "health.unready_after must be an integer from 1 to 100"},
      {R"({"engines": {"m": {"command": ["x"], "health": {"retries": 3}}}})",
       "health.retries is not a known field"},
      {R"({"engines": {"m": {"command": ["x"], "lora_pool": {"args": "--enable-lora"}}}})",
       "lora_pool.args must be an array of strings"},
      {R"({"engines": {"m": {"command": ["x"], "lora_pool": {"lora_path": ""}}}})",
       "lora_pool.lora_path must be a non-empty string"},
      {R"({"engines": {"m": {"command": ["x"], "kind": "llamacpp", "lora_pool": {}}}})",
       "llama.cpp cannot load LoRA adapters at runtime"},
      {R"({"engines": {"a*b": {"command": ["x"]}}})", "bad key \"a*b\""},
      {R"({"engines": {"": {"command": ["x"]}}})", "bad key"},
  };
  for (const Case& c : cases) {
    StatusOr<EnginesConfig> got = ParseEnginesConfig(c.json, Builtin());
    ASSERT_FALSE(got.ok()) << c.json;
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << c.json;
    EXPECT_NE(got.status().message().find(c.contains), std::string::npos)
        << c.json << " → " << got.status().message();
  }
}

TEST(LoadEnginesConfigTest, MissingFile) {
  StatusOr<EnginesConfig> got = LoadEnginesConfig("/nonexistent/engines.json", Builtin());
  EXPECT_EQ(got.status(), InvalidArgument("cannot read engines config /nonexistent/engines.json"));
}

}  // namespace
}  // namespace berth

namespace berth {
namespace {

TEST(ParseEnginesConfigTest, KindsBringTheirHealthDefaults) {
  StatusOr<EnginesConfig> got = ParseEnginesConfig(R"({"engines": {
      "v": {"command": ["vllm"], "kind": "vllm"},
      "s": {"command": ["sglang"], "kind": "sglang", "health": {"timeout_s": 45}},
      "l": {"command": ["llama-server"], "kind": "llamacpp", "stop_grace_s": 2},
      "o": {"command": ["x"]}}})",
                                                   Builtin());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const EngineTemplate& v = got->Resolve("v", "v");
  EXPECT_EQ(v.kind, EngineKind::kVllm);
  EXPECT_EQ(v.health.timeout, Millis(10000));
  EXPECT_EQ(v.health.restart_after, Millis(120000));
  EXPECT_EQ(v.health.stop_grace, Millis(30000));
  const EngineTemplate& s = got->Resolve("s", "s");
  EXPECT_EQ(s.kind, EngineKind::kSglang);
  EXPECT_EQ(s.health.timeout, Millis(45000));  // the entry's own value beats the default
  EXPECT_EQ(s.health.restart_after, Millis(300000));
  EXPECT_EQ(got->Resolve("l", "l").health.stop_grace, Millis(2000));
  const EngineTemplate& o = got->Resolve("o", "o");
  EXPECT_EQ(o.kind, EngineKind::kOpenAI);
  EXPECT_EQ(o.health.timeout, Millis(0));  // the runtime's default
}

TEST(ParseEnginesConfigTest, LoraPoolHasItsOwnArgsAndEnv) {
  StatusOr<EnginesConfig> got = ParseEnginesConfig(R"({"engines": {"qwen3-8b": {
      "kind": "vllm", "command": ["vllm", "serve", "{model_path}"], "env": {"A": "1"},
      "lora_pool": {"replicas": 2, "lora_path": "/loras/{model_name}",
                    "args": ["--enable-lora", "--max-lora-rank", "64"],
                    "env": {"VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True"}}}}})",
                                                   Builtin());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const EngineTemplate& base = got->Resolve("qwen3-8b", "qwen3-8b");
  EXPECT_EQ(base.command, (std::vector<std::string>{"vllm", "serve", "{model_path}"}));
  EXPECT_EQ(base.env.size(), 1u);
  EXPECT_EQ(base.lora_pool.replicas, 2);
  EXPECT_TRUE(CheckLoraEngine(base, "qwen3-8b").ok());
  EngineTemplate pool = PoolTemplate(base);
  EXPECT_EQ(pool.command.back(), "64");
  EXPECT_EQ(pool.command.size(), 6u);
  EXPECT_EQ(pool.env.at("VLLM_ALLOW_RUNTIME_LORA_UPDATING"), "True");
  EXPECT_EQ(pool.env.at("A"), "1");
}

TEST(ParseEnginesConfigTest, LoraNeedsAPathAndAnEngineThatLoadsAdapters) {
  StatusOr<EnginesConfig> got = ParseEnginesConfig(R"({"engines": {
      "v": {"command": ["vllm"], "kind": "vllm"},
      "l": {"command": ["llama-server"], "kind": "llamacpp"}}})",
                                                   Builtin());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  Status no_path = CheckLoraEngine(got->Resolve("v", "v"), "v");
  EXPECT_EQ(no_path.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(no_path.message().find("has no lora_path"), std::string::npos);
  Status llama = CheckLoraEngine(got->Resolve("l", "l"), "l");
  EXPECT_NE(llama.message().find("cannot load LoRA adapters"), std::string::npos);
  // The built-in engine-sim needs no adapter file.
  EXPECT_TRUE(CheckLoraEngine(got->Resolve("other", "other"), "other").ok());
}

}  // namespace
}  // namespace berth
