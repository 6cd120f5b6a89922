// `drover call NAME --batch FILE.jsonl`: the file's lines, one request of the batch each, checked
// with the broker's own rules (core/protocol/session-batch.ts) so that a mistake is reported with
// its line before anything is sent.
import { type BatchRequest, checkBatchRequest, SESSION_LIMITS } from '../core/protocol/session-batch.js';

/** Errors reported before the rest are only counted. */
const MAX_ERRORS = 10;

/**
 * The requests of a JSONL text (blank lines skipped), or the errors as `FILE:LINE: message`.
 * `body` is the batch as the broker takes it.
 */
export function parseBatchLines(
  text: string,
  file: string,
): { requests: BatchRequest[]; body: string } | { errors: string[] } {
  const errors: string[] = [];
  const requests: BatchRequest[] = [];
  const firstLine = new Map<string, number>();
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const at = `${file}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      errors.push(`${at}: not JSON (${(err as Error).message})`);
      continue;
    }
    const r = checkBatchRequest(value);
    if (typeof r === 'string') {
      errors.push(`${at}: ${r}`);
      continue;
    }
    const first = firstLine.get(r.id);
    if (first !== undefined)
      errors.push(`${at}: id ${JSON.stringify(r.id)} is used twice (first on line ${first})`);
    else firstLine.set(r.id, i + 1);
    requests.push(r);
  }
  if (errors.length === 0 && requests.length === 0) errors.push(`${file}: no request in the file`);
  if (requests.length > SESSION_LIMITS.requests)
    errors.push(`${file}: ${requests.length} requests; a batch holds at most ${SESSION_LIMITS.requests}`);
  if (errors.length > 0) {
    const more = errors.length - MAX_ERRORS;
    return {
      errors:
        more > 0
          ? [...errors.slice(0, MAX_ERRORS), `… and ${more} more ${more === 1 ? 'error' : 'errors'}`]
          : errors,
    };
  }
  const body = JSON.stringify({ requests });
  if (Buffer.byteLength(body) > SESSION_LIMITS.bytes)
    return { errors: [`${file}: the batch is over ${SESSION_LIMITS.bytes / 2 ** 20} MiB of JSON; split it`] };
  return { requests, body };
}

/** The broker's address: `--broker`, else `$DROVER_BROKER`, else http://127.0.0.1:8700. */
export function brokerAddress(
  given: string | undefined,
  env: NodeJS.ProcessEnv,
): { host: string; port: number; prefix: string } | string {
  const text = given ?? env.DROVER_BROKER ?? 'http://127.0.0.1:8700';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `not a broker URL: ${text} (e.g. http://broker1:8700)`;
  }
  if (url.protocol !== 'http:') return `the broker is reached over http://, not ${url.protocol} (${text})`;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(url.port || 80), prefix: url.pathname.replace(/\/+$/, '') };
}
