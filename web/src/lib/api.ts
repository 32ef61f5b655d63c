// The console's API client: the key kept for this tab (sessionStorage), every call with
// `Authorization: Bearer`, and every failure as an ApiError carrying the HTTP status, the API's
// code and the request id, so the page can show all three.

const KEY_STORAGE = 'berth.key';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public requestId: string,
  ) {
    super(message);
  }
}

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}
export function storeKey(key: string | null) {
  if (key === null) sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
}

// Turns any failed response into an ApiError: the API's {code, message, request_id}, the
// gateway's OpenAI-style {error: {code, message}}, or whatever else came back.
export async function errorOf(response: Response): Promise<ApiError> {
  const requestId = response.headers.get('X-Request-Id') ?? '';
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (body && body.error && typeof body.error === 'object') {
      return new ApiError(response.status, String(body.error.code ?? body.error.type ?? ''),
        String(body.error.message ?? ''), body.request_id ?? requestId);
    }
    if (body && body.code) {
      return new ApiError(response.status, body.code, body.message ?? '', body.request_id ?? requestId);
    }
  } catch {
    // not JSON: fall through
  }
  return new ApiError(response.status, `HTTP ${response.status}`, text.slice(0, 300), requestId);
}

export async function api<T = any>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${key ?? storedKey() ?? ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch('/api/v1' + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'NetworkError', `berth did not answer: ${(e as Error).message}`, '');
  }
  if (!response.ok) throw await errorOf(response);
  const json = await response.json();
  return json.output as T;
}

export const enc = encodeURIComponent;
