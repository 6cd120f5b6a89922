// `drover call`: send a batch of calls to a service's broker (a durable session), collect its
// responses as JSON lines, or forget it. One HTTP request per step (cli/http1.ts); the broker's
// side is broker/session-routes.ts.
import { readFileSync } from 'node:fs';
import type { SessionProgress } from '../core/protocol/session-batch.js';
import { brokerAddress, parseBatchLines } from './call-batch.js';
import { exchange, type Reply } from './http1.js';

/** Seconds one `--wait` request waits for new responses at the broker. */
const WAIT_SECONDS = 30;
const PAGE = 1000;

function fail(message: string, code = 1): number {
  process.stderr.write(`drover: ${message}\n`);
  return code;
}

type Broker = { host: string; port: number; prefix: string };

async function send(b: Broker, method: string, path: string, body?: string): Promise<Reply> {
  return exchange({ host: b.host, port: b.port }, method, `${b.prefix}${path}`, {}, body);
}

/** The broker's `{ error }`, or the status when the body says nothing. */
function refusal(r: Reply): string {
  try {
    const e = JSON.parse(r.body.toString('utf8')) as { error?: string; message?: string };
    return e.error ?? e.message ?? `HTTP ${r.status}`;
  } catch {
    return `HTTP ${r.status}`;
  }
}

function unreachable(b: Broker, err: unknown): number {
  const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return fail(
    `cannot reach the broker at http://${b.host}:${b.port} (${why}); --broker URL or $DROVER_BROKER names it`,
  );
}

function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => (text === '' ? resolve() : process.stdout.write(text, () => resolve())));
}

/** `drover call NAME --batch FILE`: prints the session's id. */
export async function callBatch(
  service: string,
  file: string,
  brokerUrl: string | undefined,
): Promise<number> {
  const b = brokerAddress(brokerUrl, process.env);
  if (typeof b === 'string') return fail(b, 2);
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    return fail(`cannot read ${file}: ${(err as Error).message}`, 2);
  }
  const parsed = parseBatchLines(text, file === '-' ? 'stdin' : file);
  if ('errors' in parsed) return fail(parsed.errors.join('\ndrover: '), 2);
  let r: Reply;
  try {
    r = await send(b, 'POST', `/svc/${encodeURIComponent(service)}/batch`, parsed.body);
  } catch (err) {
    return unreachable(b, err);
  }
  if (r.status !== 201) return fail(`the broker refused the batch: ${refusal(r)}`);
  const { session } = JSON.parse(r.body.toString('utf8')) as { session: string };
  await writeOut(`${session}\n`);
  return 0;
}

/** `drover call --collect ID [--wait]`: the responses as JSON lines, in finishing order. */
export async function callCollect(id: string, brokerUrl: string | undefined, wait: boolean): Promise<number> {
  const b = brokerAddress(brokerUrl, process.env);
  if (typeof b === 'string') return fail(b, 2);
  let from = 0;
  for (;;) {
    const query = `from=${from}&limit=${PAGE}${wait ? `&wait=${WAIT_SECONDS}` : ''}`;
    let r: Reply;
    try {
      r = await send(b, 'GET', `/sessions/${encodeURIComponent(id)}?${query}`);
    } catch (err) {
      return unreachable(b, err);
    }
    if (r.status !== 200) return fail(`session ${id}: ${refusal(r)}`);
    const p = JSON.parse(r.body.toString('utf8')) as SessionProgress;
    await writeOut((p.responses ?? []).map((x) => `${JSON.stringify(x)}\n`).join(''));
    from = p.next ?? from;
    if (from >= p.total || (!wait && from >= p.done)) {
      process.stderr.write(`drover: session ${id}: ${p.done} of ${p.total} done, ${p.failed} failed\n`);
      return 0;
    }
  }
}

/** `drover call --delete ID`: the broker forgets the session and its responses. */
export async function callDelete(id: string, brokerUrl: string | undefined): Promise<number> {
  const b = brokerAddress(brokerUrl, process.env);
  if (typeof b === 'string') return fail(b, 2);
  try {
    const r = await send(b, 'DELETE', `/sessions/${encodeURIComponent(id)}`);
    return r.status === 200 ? 0 : fail(`session ${id}: ${refusal(r)}`);
  } catch (err) {
    return unreachable(b, err);
  }
}
