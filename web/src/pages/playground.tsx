// Playground: chat with a deployment through /compatible-mode/v1/chat/completions, streamed
// with fetch + a ReadableStream + the SSE parser (EventSource cannot POST or send a key), a stop
// button (AbortController), and TTFT, tokens/s and usage after each answer.
import { useRef, useState } from 'preact/hooks';
import { ApiError, api, errorOf, storedKey } from '../lib/api';
import { parseChatChunk, SseParser } from '../lib/sse';
import { usePoll } from '../lib/hooks';
import { ErrorBox } from '../ui';

interface Message {
  role: 'user' | 'assistant';
  content: string;
  stats?: string;
}

export function PlaygroundPage({ initial }: { initial: string }) {
  const list = usePoll(() => api('GET', '/deployments?page_size=200'), 5000, []);
  const running = (list.data?.deployments ?? []).filter((d: any) => d.status === 'RUNNING' || d.status === 'UPDATING');
  const [model, setModel] = useState(initial);
  const [system, setSystem] = useState('You are a helpful assistant.');
  const [temperature, setTemperature] = useState('0.7');
  const [maxTokens, setMaxTokens] = useState('256');
  const [topP, setTopP] = useState('1');
  const [input, setInput] = useState('');
  const [messages, setMessages] = useState<Message[]>([]);
  const [streaming, setStreaming] = useState(false);
  const [error, setError] = useState<ApiError>();
  const abort = useRef<AbortController | null>(null);
  const chosen = model || running[0]?.deployed_model || '';

  const send = async (e: Event) => {
    e.preventDefault();
    if (!input.trim() || !chosen) return;
    const history: Message[] = [...messages, { role: 'user', content: input }];
    setMessages([...history, { role: 'assistant', content: '' }]);
    setInput('');
    setError(undefined);
    setStreaming(true);
    const controller = new AbortController();
    abort.current = controller;
    const started = performance.now();
    let first = 0;
    let answer = '';
    let usage: any;
    const show = (stats?: string) => setMessages([...history, { role: 'assistant', content: answer, stats }]);
    try {
      const response = await fetch('/compatible-mode/v1/chat/completions', {
        method: 'POST',
        signal: controller.signal,
        headers: { Authorization: `Bearer ${storedKey()}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          model: chosen,
          stream: true,
          stream_options: { include_usage: true },
          temperature: Number(temperature),
          top_p: Number(topP),
          max_tokens: Number(maxTokens),
          messages: [...(system ? [{ role: 'system', content: system }] : []), ...history.map(({ role, content }) => ({ role, content }))],
        }),
      });
      if (!response.ok) throw await errorOf(response);
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      for (;;) {
        const { value, done } = await reader.read();
        const events = done ? parser.end() : parser.push(value);
        for (const event of events) {
          const delta = parseChatChunk(event.data);
          if (delta.usage) usage = delta.usage;
          if (delta.content || delta.reasoning) {
            if (!first) first = performance.now();
            answer += delta.content;
            show();
          }
        }
        if (done) break;
      }
      const end = performance.now();
      const ttft = first ? first - started : end - started;
      const outTokens = usage?.completion_tokens ?? 0;
      const rate = first && end > first ? (outTokens / ((end - first) / 1000)).toFixed(1) : '—';
      show(`TTFT ${Math.round(ttft)} ms · ${rate} tokens/s · usage: ${usage ? `${usage.prompt_tokens} in, ${usage.completion_tokens} out` : 'not reported'}`);
    } catch (err) {
      if ((err as Error).name === 'AbortError') show('stopped');
      else {
        const apiError = err instanceof ApiError ? err : new ApiError(0, 'StreamError', (err as Error).message, '');
        setError(apiError);
        show(`failed: ${apiError.status} ${apiError.code}`);
      }
    } finally {
      setStreaming(false);
      abort.current = null;
    }
  };

  const value = (e: Event) => (e.target as HTMLInputElement).value;
  return (
    <section class="playground">
      <h2>Playground</h2>
      <ErrorBox error={list.error} />
      <div class="settings">
        <label for="pg-model">Deployment</label>
        <select id="pg-model" value={chosen} onChange={(e) => setModel(value(e))}>
          {chosen && !running.some((d: any) => d.deployed_model === chosen) ? <option value={chosen}>{chosen}</option> : null}
          {running.map((d: any) => <option value={d.deployed_model}>{d.deployed_model}</option>)}
        </select>
        <label for="pg-system">System prompt</label>
        <textarea id="pg-system" rows={2} value={system} onInput={(e) => setSystem(value(e))} />
        <div class="row">
          <label for="pg-temp">Temperature</label>
          <input id="pg-temp" type="number" step="0.1" min="0" max="2" value={temperature} onInput={(e) => setTemperature(value(e))} />
          <label for="pg-max">Max tokens</label>
          <input id="pg-max" type="number" min="1" value={maxTokens} onInput={(e) => setMaxTokens(value(e))} />
          <label for="pg-top-p">top_p</label>
          <input id="pg-top-p" type="number" step="0.05" min="0" max="1" value={topP} onInput={(e) => setTopP(value(e))} />
        </div>
      </div>
      <ol class="chat" aria-live="polite">
        {messages.map((m, i) => (
          <li class={m.role} key={i}>
            <span class="who">{m.role}</span>
            <div class="content" data-role={m.role}>{m.content}</div>
            {m.stats ? <div class="stats muted">{m.stats}</div> : null}
          </li>
        ))}
      </ol>
      <ErrorBox error={error} />
      <form class="row" onSubmit={send}>
        <label for="pg-input" class="sr-only">Message</label>
        <input id="pg-input" class="grow" placeholder="Say something…" value={input} onInput={(e) => setInput(value(e))} />
        {streaming
          ? <button type="button" onClick={() => abort.current?.abort()}>Stop</button>
          : <button type="submit" disabled={!chosen || !input.trim()}>Send</button>}
        <button type="button" class="small" disabled={streaming} onClick={() => setMessages([])}>Clear</button>
      </form>
    </section>
  );
}
