// The official OpenAI Node SDK (npm package `openai`) against a running berth gateway.
//
//   BERTH_BASE_URL=http://127.0.0.1:PORT/compatible-mode/v1 BERTH_API_KEY=sk-... \
//   BERTH_MODEL=<deployed_model> node sdk_test.mjs
//
// Run by ../test_openai_node_sdk.py, which starts `berth serve` and a deployment. Every check
// runs; the exit status is 1 when any failed (each failure is printed), 2 on a usage error.
// The engine behind berth is `berth engine-sim`, whose token rule (docs/engine-sim.md) lets the
// usage counts be checked exactly against the text.

import OpenAI from "openai";

const baseURL = process.env.BERTH_BASE_URL;
const apiKey = process.env.BERTH_API_KEY;
const model = process.env.BERTH_MODEL;
if (!baseURL || !apiKey || !model) {
  console.error("sdk_test.mjs: set BERTH_BASE_URL, BERTH_API_KEY and BERTH_MODEL");
  process.exit(2);
}

// docs/engine-sim.md: a token is a run of ASCII letters and digits, or one other non-space
// character (a whole code point); a chat prompt adds 4 per message.
function countTokens(text) {
  return (text.match(/[A-Za-z0-9]+|[^\sA-Za-z0-9]/gu) || []).length;
}
function chatPromptTokens(messages) {
  return messages.reduce((n, m) => n + countTokens(m.content) + 4, 0);
}

// No retries: a failure must show, not be papered over. Short timeouts: everything is local.
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 30000 });

const failures = [];
let passed = 0;

class CheckFailed extends Error {}
function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}
function show(value) {
  const text = JSON.stringify(value);
  return text && text.length > 600 ? text.slice(0, 600) + "..." : text;
}

async function test(name, body) {
  const started = Date.now();
  try {
    await body();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    const detail = err instanceof CheckFailed ? err.message : `${err.constructor.name}: ${err.stack || err}`;
    failures.push(`${name}: ${detail}`);
    console.log(`FAIL ${name}: ${detail}`);
  }
}

// Expects `promise` to reject with an instance of `errorClass` carrying `status`.
async function expectError(promise, errorClass, status) {
  let result;
  try {
    result = await promise;
  } catch (err) {
    check(err instanceof errorClass,
          `expected ${errorClass.name}, got ${err.constructor.name} (status ${err.status}): ${err.message}`);
    check(err.status === status, `expected status ${status}, got ${err.status}`);
    return err;
  }
  throw new CheckFailed(`expected ${errorClass.name} (${status}), but the call succeeded: ${show(result)}`);
}

const messages = [
  { role: "system", content: "You are a helpful assistant." },
  { role: "user", content: "Say hello to berth, in one short sentence." },
];

await test("chat.completions.create (whole answer)", async () => {
  const completion = await client.chat.completions.create({ model, messages });
  check(completion.object === "chat.completion", `object: ${show(completion)}`);
  check(Array.isArray(completion.choices) && completion.choices.length === 1, `choices: ${show(completion)}`);
  const choice = completion.choices[0];
  check(choice.message.role === "assistant", `role: ${show(choice)}`);
  const content = choice.message.content;
  check(typeof content === "string" && content.trim().length > 0, `empty content: ${show(choice)}`);
  check(["stop", "length"].includes(choice.finish_reason), `finish_reason: ${show(choice)}`);
  const usage = completion.usage;
  check(usage, `no usage: ${show(completion)}`);
  check(usage.prompt_tokens === chatPromptTokens(messages),
        `prompt_tokens ${usage.prompt_tokens}, expected ${chatPromptTokens(messages)}`);
  check(usage.completion_tokens === countTokens(content),
        `completion_tokens ${usage.completion_tokens}, but the content has ${countTokens(content)} tokens`);
  check(usage.total_tokens === usage.prompt_tokens + usage.completion_tokens, `total_tokens: ${show(usage)}`);
});

await test("chat.completions.create with max_tokens", async () => {
  const completion = await client.chat.completions.create({ model, messages, max_tokens: 5 });
  check(completion.usage.completion_tokens === 5, `usage: ${show(completion.usage)}`);
  check(completion.choices[0].finish_reason === "length", `finish_reason: ${show(completion.choices[0])}`);
});

await test("withResponse: X-Request-Id header", async () => {
  const { response } = await client.chat.completions.create({ model, messages, max_tokens: 2 }).withResponse();
  check(response.status === 200, `status ${response.status}`);
  check((response.headers.get("x-request-id") || "").length > 0, "no X-Request-Id header");
});

async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

await test("chat.completions.create stream: true (deltas, no usage chunk)", async () => {
  const whole = await client.chat.completions.create({ model, messages });
  const stream = await client.chat.completions.create({ model, messages, stream: true });
  const chunks = await collect(stream);
  check(chunks.length > 1, `only ${chunks.length} chunk(s)`);
  let text = "";
  for (const chunk of chunks) {
    check(chunk.object === "chat.completion.chunk", `object: ${show(chunk)}`);
    // Without stream_options.include_usage no chunk carries usage (berth asks the engine for
    // it to meter the request, and must not pass it on).
    check(chunk.usage === undefined || chunk.usage === null, `a chunk carries usage: ${show(chunk)}`);
    check(chunk.choices.length > 0, `a chunk without choices (the usage chunk?): ${show(chunk)}`);
    text += chunk.choices[0].delta?.content ?? "";
  }
  check(text.trim().length > 0, "the streamed text is empty");
  check(text === whole.choices[0].message.content,
        `streamed text differs from the whole answer:\n  ${show(text)}\n  ${show(whole.choices[0].message.content)}`);
  const last = chunks[chunks.length - 1];
  check(["stop", "length"].includes(last.choices[0].finish_reason), `last chunk: ${show(last)}`);
});

await test("chat.completions.create stream with stream_options.include_usage", async () => {
  const stream = await client.chat.completions.create({
    model, messages, stream: true, stream_options: { include_usage: true },
  });
  const chunks = await collect(stream);
  const withUsage = chunks.filter((c) => c.usage);
  check(withUsage.length === 1, `expected exactly one chunk with usage, got ${withUsage.length}`);
  const final = chunks[chunks.length - 1];
  check(final.usage, `the last chunk has no usage: ${show(final)}`);
  check(Array.isArray(final.choices) && final.choices.length === 0, `the usage chunk has choices: ${show(final)}`);
  let text = "";
  for (const chunk of chunks) text += chunk.choices[0]?.delta?.content ?? "";
  check(text.trim().length > 0, "the streamed text is empty");
  check(final.usage.prompt_tokens === chatPromptTokens(messages), `usage: ${show(final.usage)}`);
  check(final.usage.completion_tokens === countTokens(text),
        `completion_tokens ${final.usage.completion_tokens}, text has ${countTokens(text)} tokens`);
  check(final.usage.total_tokens === final.usage.prompt_tokens + final.usage.completion_tokens,
        `total: ${show(final.usage)}`);
});

await test("chat.completions.stream helper (finalChatCompletion)", async () => {
  const runner = client.beta.chat.completions.stream({ model, messages, max_tokens: 7 });
  let deltas = "";
  runner.on("content", (delta) => { deltas += delta; });
  const final = await runner.finalChatCompletion();
  check(final.choices[0].message.content === deltas && deltas.length > 0,
        `final ${show(final.choices[0].message)} vs deltas ${show(deltas)}`);
});

await test("stream aborted by the client", async () => {
  const controller = new AbortController();
  const stream = await client.chat.completions.create(
    { model, messages, stream: true, max_tokens: 2000 }, { signal: controller.signal });
  let n = 0;
  try {
    for await (const chunk of stream) {
      n += chunk.choices.length;
      if (n >= 3) controller.abort();
    }
  } catch (err) {
    check(err instanceof OpenAI.APIUserAbortError || err.name === "AbortError",
          `unexpected error on abort: ${err.constructor.name} ${err.message}`);
  }
  check(n >= 3, `only ${n} chunks before the end`);
  // The gateway still serves afterwards.
  const after = await client.chat.completions.create({ model, messages, max_tokens: 1 });
  check(after.usage.completion_tokens === 1, `after abort: ${show(after.usage)}`);
});

await test("completions.create (whole and streamed)", async () => {
  const prompt = "Once upon a time, berth";
  const completion = await client.completions.create({ model, prompt, max_tokens: 8 });
  check(completion.object === "text_completion", `object: ${show(completion)}`);
  const text = completion.choices[0].text;
  check(typeof text === "string" && text.trim().length > 0, `text: ${show(completion.choices[0])}`);
  check(completion.usage.prompt_tokens === countTokens(prompt), `usage: ${show(completion.usage)}`);
  check(completion.usage.completion_tokens === 8, `usage: ${show(completion.usage)}`);

  const stream = await client.completions.create({ model, prompt, max_tokens: 8, stream: true });
  let streamed = "";
  for await (const chunk of stream) {
    check(!chunk.usage, `a chunk carries usage without include_usage: ${show(chunk)}`);
    streamed += chunk.choices[0]?.text ?? "";
  }
  check(streamed === text, `streamed ${show(streamed)} vs whole ${show(text)}`);
});

await test("models.list() and models.retrieve()", async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  check(ids.includes(model), `models.list() has no ${model}: ${show(ids)}`);
  const card = await client.models.retrieve(model);
  check(card.id === model && card.object === "model", `retrieve: ${show(card)}`);
  await expectError(client.models.retrieve(model + "-nope"), OpenAI.NotFoundError, 404);
});

await test("a wrong key throws AuthenticationError (401)", async () => {
  const wrong = new OpenAI({ baseURL, apiKey: "sk-wrong-" + apiKey.slice(-4), maxRetries: 0, timeout: 30000 });
  const err = await expectError(wrong.chat.completions.create({ model, messages }), OpenAI.AuthenticationError, 401);
  check(err.code === "invalid_api_key", `code: ${err.code} (${err.message})`);
  check(err.type === "invalid_request_error", `type: ${err.type}`);
  await expectError(wrong.models.list(), OpenAI.AuthenticationError, 401);
  await expectError(wrong.chat.completions.create({ model, messages, stream: true }),
                    OpenAI.AuthenticationError, 401);
});

await test("an unknown model throws NotFoundError (404)", async () => {
  const err = await expectError(
    client.chat.completions.create({ model: model + "-does-not-exist", messages }), OpenAI.NotFoundError, 404);
  check(err.code === "model_not_found", `code: ${err.code} (${err.message})`);
  await expectError(
    client.chat.completions.create({ model: "no-such-model", messages, stream: true }), OpenAI.NotFoundError, 404);
  await expectError(
    client.completions.create({ model: "no-such-model", prompt: "x" }), OpenAI.NotFoundError, 404);
});

await test("a bad request throws BadRequestError (400)", async () => {
  await expectError(client.chat.completions.create({ messages }), OpenAI.BadRequestError, 400);
});

await test("concurrent requests", async () => {
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) =>
    client.chat.completions.create({ model, messages: [{ role: "user", content: `request ${i}` }], max_tokens: 3 })));
  for (const r of results) check(r.usage.completion_tokens === 3, `usage: ${show(r.usage)}`);
});

console.log(`${passed} passed, ${failures.length} failed`);
if (failures.length > 0) {
  console.error("FAILED:\n  " + failures.join("\n  "));
  process.exit(1);
}
