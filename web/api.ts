// Calls to the head, same origin, with the session cookie. Every change carries the session's
// CSRF token in `X-CSRF-Token`. A 401 anywhere means the session is gone: the app shows the page
// that says to run `drover web login`.
import type { ActionResults } from './api-types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';
let onUnauthorized: () => void = () => {};

export function setCsrf(token: string): void {
  csrf = token;
}

export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

async function send<T>(path: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', ...init });
  } catch {
    throw new ApiError(0, 'UNREACHABLE', 'the head does not answer');
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { message: text.slice(0, 200) };
  }
  if (!res.ok) {
    const e = body as { code?: string; message?: string };
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? res.statusText);
  }
  return body as T;
}

export function getJson<T>(path: string): Promise<T> {
  return send<T>(path, { headers: { accept: 'application/json' } });
}

export function postJson<T>(path: string, body: unknown): Promise<T> {
  return send<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify(body),
  });
}

/** An action on jobs or nodes; throws the first refusal among its per-operand answers. */
export async function act(path: string, body: unknown): Promise<void> {
  const r = await postJson<Partial<ActionResults>>(path, body);
  const refused = r.results?.find((x) => x.error);
  if (refused?.error) throw new ApiError(200, refused.error.code, refused.error.message);
}
