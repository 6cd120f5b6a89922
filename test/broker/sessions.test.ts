// Durable sessions: a real broker process (test/helpers/session-broker.ts, compiled into dist/)
// with its SQLite store in a temp directory, in front of a real HTTP service that counts every
// correlation id it sees. The broker is SIGKILLed in the middle of a batch and restarted; a batch
// answered 201 survives a SIGKILL right after the answer; `drover call` submits and collects.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SessionProgress, SessionResponse } from '../../core/protocol/session-batch.js';
import { ROOT } from '../helpers/head.js';

const ENTRY = join(ROOT, 'dist/test/helpers/session-broker.js');
const DROVER = join(ROOT, 'dist/cli/drover.js');
const CAPACITY = 8;

const dirs: string[] = [];
const children: ChildProcess[] = [];
const servers: Server[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'drover-sessions-'));
  dirs.push(d);
  return d;
}

/** A tiny service: counts each `Idempotency-Key` it sees and answers `{ id, method, path, body }` after `delayMs`. */
async function startService(delayMs: number) {
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    const id = String(req.headers['idempotency-key']);
    seen.set(id, (seen.get(id) ?? 0) + 1);
    server.emit('seen', seen.size);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({
        id,
        method: req.method,
        path: req.url,
        body: Buffer.concat(chunks).toString(),
      });
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body), delayMs);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  /** Resolves once the service has seen `n` distinct ids. */
  const reached = (n: number) =>
    new Promise<void>((resolve) => {
      const check = (size: number) => {
        if (size < n) return;
        server.off('seen', check);
        resolve();
      };
      server.on('seen', check);
    });
  return { url, seen, reached };
}

interface Broker {
  child: ChildProcess;
  base: string;
}

async function startBroker(stateDir: string, target: string): Promise<Broker> {
  const child = spawn(
    process.execPath,
    [ENTRY, '--state-dir', stateDir, '--target', target, '--capacity', String(CAPACITY)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const [line] = (await Promise.race([
    once(child.stdout!, 'data'),
    once(child, 'exit').then(() => {
      throw new Error('the broker exited before it listened');
    }),
  ])) as [Buffer];
  return { child, base: `http://127.0.0.1:${JSON.parse(line.toString()).port}` };
}

async function kill9(b: Broker): Promise<void> {
  const exited = once(b.child, 'exit');
  process.kill(b.child.pid!, 'SIGKILL');
  await exited;
}

const batchOf = (n: number) => ({
  requests: Array.from({ length: n }, (_, i) =>
    i % 2 ? { id: `r${i}`, path: `/get?i=${i}` } : { id: `r${i}`, method: 'POST', path: '/put', body: { i } },
  ),
});

async function submit(b: Broker, batch: unknown): Promise<string> {
  const r = await fetch(`${b.base}/svc/echo/batch`, { method: 'POST', body: JSON.stringify(batch) });
  expect(r.status).toBe(201);
  return ((await r.json()) as { session: string }).session;
}

/** Every response, page by page, each page waiting at the broker for new ones (no polling here). */
async function collect(
  b: Broker,
  session: string,
): Promise<{ last: SessionProgress; responses: SessionResponse[] }> {
  const responses: SessionResponse[] = [];
  for (;;) {
    const r = await fetch(`${b.base}/sessions/${session}?from=${responses.length}&limit=300&wait=30`);
    expect(r.status).toBe(200);
    const last = (await r.json()) as SessionProgress;
    responses.push(...last.responses!);
    if (responses.length >= last.total) return { last, responses };
  }
}

function expectOneAnswerEach(responses: SessionResponse[], n: number): void {
  expect(responses).toHaveLength(n);
  expect(new Set(responses.map((r) => r.id)).size).toBe(n);
  for (const r of responses) {
    expect(r.status).toBe(200);
    const answer = JSON.parse(r.body!);
    expect(answer.id).toBe(r.id);
    const i = Number(r.id.slice(1));
    if (i % 2) expect([answer.method, answer.path]).toEqual(['GET', `/get?i=${i}`]);
    else expect([answer.method, answer.body]).toEqual(['POST', JSON.stringify({ i })]);
  }
}

afterEach(() => {
  for (const c of children.splice(0))
    if (c.exitCode === null && c.signalCode === null) process.kill(c.pid!, 'SIGKILL');
});
afterAll(() => {
  for (const s of servers) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('durable sessions at a broker', () => {
  it('finishes a 1,000-request batch across a SIGKILL of the broker, one response per request', async () => {
    const service = await startService(5);
    const state = tempDir();
    const first = await startBroker(state, service.url);
    const session = await submit(first, batchOf(1000));
    await service.reached(300);
    await kill9(first);
    const seenAtKill = service.seen.size;
    expect(seenAtKill).toBeLessThan(1000);

    const second = await startBroker(state, service.url);
    const { last, responses } = await collect(second, session);
    expect([last.total, last.done, last.failed]).toEqual([1000, 1000, 0]);
    expectOneAnswerEach(responses, 1000);
    // every request reached the service; only those in flight at the kill were sent twice
    expect(service.seen.size).toBe(1000);
    const twice = [...service.seen.values()].filter((n) => n > 1).length;
    expect(twice).toBeLessThanOrEqual(2 * CAPACITY);
    expect([...service.seen.values()].every((n) => n <= 2)).toBe(true);
  });

  it('keeps a batch it answered 201 for when it is SIGKILLed right after the answer', async () => {
    const service = await startService(0);
    const state = tempDir();
    const first = await startBroker(state, service.url);
    const session = await submit(first, batchOf(500));
    await kill9(first);

    const second = await startBroker(state, service.url);
    const progress = (await (await fetch(`${second.base}/sessions/${session}`)).json()) as SessionProgress;
    expect(progress.total).toBe(500);
    const { responses } = await collect(second, session);
    expectOneAnswerEach(responses, 500);
  });

  it('takes a batch from `drover call --batch` and gives its responses to `drover call --collect --wait`', async () => {
    const service = await startService(1);
    const broker = await startBroker(tempDir(), service.url);
    const work = tempDir();
    const file = join(work, 'calls.jsonl');
    writeFileSync(
      file,
      `${batchOf(50)
        .requests.map((r) => JSON.stringify(r))
        .join('\n')}\n`,
    );
    const drover = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [DROVER, 'call', ...args],
          { env: { ...process.env, DROVER_BROKER: broker.base } },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
        );
      });
    const sent = await drover('echo', '--batch', file);
    expect(sent.code).toBe(0);
    const session = sent.stdout.trim();
    const got = await drover('--collect', session, '--wait');
    expect(got.code).toBe(0);
    expect(got.stderr).toContain('50 of 50 done, 0 failed');
    expectOneAnswerEach(
      got.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
      50,
    );
    expect((await drover('--delete', session)).code).toBe(0);
    const gone = await drover('--collect', session);
    expect([gone.code, gone.stderr]).toEqual([1, `drover: session ${session}: no session ${session}\n`]);
    const bad = await drover('nosuch', '--batch', file);
    expect([bad.code, bad.stderr]).toEqual([1, 'drover: the broker refused the batch: no service nosuch\n']);
  });
});
