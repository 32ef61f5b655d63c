// A server-sent events parser (WHATWG framing): feed it text as it arrives, in any pieces; it
// returns each complete event. Pure: no I/O, so the Node unit tests drive it directly.

export interface SseEvent {
  event: string; // "message" unless an `event:` line said otherwise
  data: string; // the `data:` lines joined with "\n"
  id?: string;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;

  // Returns the events completed by `chunk` (a blank line ends an event).
  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone "\r" at the end may be the first half of "\r\n": wait for more.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  // The event left open when the stream ends without a blank line, if any.
  end(): SseEvent[] {
    const rest = this.buffer;
    this.buffer = '';
    const events: SseEvent[] = [];
    if (rest) {
      const event = this.line(rest);
      if (event) events.push(event);
    }
    const last = this.line('');
    if (last) events.push(last);
    return events;
  }

  private line(line: string): SseEvent | null {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return null;
      }
      const out: SseEvent = { event: this.event || 'message', data: this.data.join('\n') };
      if (this.id !== undefined) out.id = this.id;
      this.data = [];
      this.event = '';
      return out;
    }
    if (line.startsWith(':')) return null; // a comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    return null;
  }
}

// What one OpenAI chat-completion stream chunk adds: content, reasoning, usage, finish.
export interface ChatDelta {
  content: string;
  reasoning: string;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  finish?: string;
  done: boolean; // the `[DONE]` sentinel
}

export function parseChatChunk(data: string): ChatDelta {
  if (data.trim() === '[DONE]') return { content: '', reasoning: '', done: true };
  const chunk = JSON.parse(data);
  const choice = Array.isArray(chunk.choices) && chunk.choices.length > 0 ? chunk.choices[0] : null;
  const delta = (choice && choice.delta) || {};
  const out: ChatDelta = {
    content: typeof delta.content === 'string' ? delta.content : '',
    reasoning: typeof delta.reasoning_content === 'string' ? delta.reasoning_content : '',
    done: false,
  };
  if (chunk.usage) out.usage = chunk.usage;
  if (choice && choice.finish_reason) out.finish = choice.finish_reason;
  return out;
}
