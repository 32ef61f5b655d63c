// The SSE parser and the chat-chunk reader the playground streams with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadLib } from './load.mjs';

const { SseParser, parseChatChunk } = await loadLib('sse');

test('events split across arbitrary chunk boundaries come out whole', () => {
  const stream = 'data: {"a":1}\n\ndata: line1\ndata: line2\n\nevent: result\nid: 7\ndata: x\n\n';
  for (let size = 1; size <= stream.length; size++) {
    const parser = new SseParser();
    const events = [];
    for (let i = 0; i < stream.length; i += size) events.push(...parser.push(stream.slice(i, i + size)));
    events.push(...parser.end());
    assert.deepEqual(events, [
      { event: 'message', data: '{"a":1}' },
      { event: 'message', data: 'line1\nline2' },
      { event: 'result', data: 'x', id: '7' },
    ], `chunk size ${size}`);
  }
});

test('CRLF and CR line endings, comments and a missing final blank line', () => {
  const parser = new SseParser();
  const events = [...parser.push(':HTTP_STATUS/200\r\ndata: a\r\n\r\ndata:b\r'), ...parser.push('\rdata: c')];
  events.push(...parser.end());
  assert.deepEqual(events.map((e) => e.data), ['a', 'b', 'c']);
});

test('a blank line without data dispatches nothing', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push('event: ping\n\n\n'), []);
  assert.deepEqual(parser.push('data: after\n\n'), [{ event: 'message', data: 'after' }]);
});

test('chat chunks: content, usage, finish reason and [DONE]', () => {
  assert.deepEqual(parseChatChunk('{"choices":[{"index":0,"delta":{"content":"Hel"}}]}'),
    { content: 'Hel', reasoning: '', done: false });
  const last = parseChatChunk('{"choices":[{"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":8,"completion_tokens":3,"total_tokens":11}}');
  assert.equal(last.finish, 'stop');
  assert.equal(last.usage.completion_tokens, 3);
  assert.deepEqual(parseChatChunk('{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}').usage.total_tokens, 3);
  assert.equal(parseChatChunk(' [DONE]').done, true);
  assert.throws(() => parseChatChunk('{not json'));
});
