// The two ends of the `tail?`/`tail` pair without a network: the agent reads an attempt's spool
// (real files) from an offset, at most 64 KiB of whole characters, never through a link; the head
// matches answers to its requests by id and node, and refuses a request no agent answers (an agent
// that does not know the message ignores it) with NODE_NOT_ANSWERING.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spoolTail } from '../../compute-agent/job-spool.js';
import type { AgentMessage, HeadMessage } from '../../core/protocol/agent-protocol.js';
import { TAIL_MAX_BYTES } from '../../core/protocol/output-tail.js';
import { OutputTails } from '../../head/agent-link/output-tails.js';

let base: string;

/** A spool directory as the agent writes it: run.json, stdout and (unless joined) stderr. */
function spool(name: string, join_: 'oe' | 'n', out: string | Buffer, err = ''): string {
  const dir = join(base, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ jobId: name, attempt: 2, join: join_ }));
  writeFileSync(join(dir, 'stdout'), out);
  if (join_ === 'n') writeFileSync(join(dir, 'stderr'), err);
  return dir;
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'drover-tail-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('the agent reads a spool from an offset', () => {
  it('answers from `from`, empty past the end, and each stream from its own file', () => {
    const dir = spool('1.s', 'n', 'line1\nline2\n', 'oops\n');
    expect(spoolTail(dir, 2, 'out', 0, TAIL_MAX_BYTES)).toEqual({ text: 'line1\nline2\n', next: 12 });
    expect(spoolTail(dir, 2, 'out', 6, TAIL_MAX_BYTES)).toEqual({ text: 'line2\n', next: 12 });
    expect(spoolTail(dir, 2, 'out', 500, TAIL_MAX_BYTES)).toEqual({ text: '', next: 500 });
    expect(spoolTail(dir, 2, 'err', 0, TAIL_MAX_BYTES)).toEqual({ text: 'oops\n', next: 5 });
    expect(spoolTail(dir, 1, 'out', 0, TAIL_MAX_BYTES)).toBeUndefined(); // another attempt's
  });

  it('a joined job has one file for both streams', () => {
    const dir = spool('2.s', 'oe', 'out and err\n');
    expect(spoolTail(dir, 2, 'err', 0, TAIL_MAX_BYTES)?.text).toBe('out and err\n');
  });

  it('sends at most 64 KiB, cut before a character the limit would split', () => {
    const text = `${'a'.repeat(TAIL_MAX_BYTES - 1)}✓tail`;
    const dir = spool('3.s', 'oe', text);
    const first = spoolTail(dir, 2, 'out', 0, TAIL_MAX_BYTES)!;
    expect(first.next).toBe(TAIL_MAX_BYTES - 1);
    const rest = spoolTail(dir, 2, 'out', first.next, TAIL_MAX_BYTES)!;
    expect(first.text + rest.text).toBe(text);
  });

  it('never reads through a link put where a spool file should be', () => {
    const dir = join(base, '4.s');
    mkdirSync(dir);
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ jobId: '4.s', attempt: 2, join: 'oe' }));
    writeFileSync(join(base, 'secret'), 'not yours\n');
    symlinkSync(join(base, 'secret'), join(dir, 'stdout'));
    expect(spoolTail(dir, 2, 'out', 0, TAIL_MAX_BYTES)).toEqual({ text: '', next: 0 });
  });
});

describe('the head matches answers to requests', () => {
  /** A node whose agent answers `tail?` with `answer`, or (undefined) ignores it as an old agent does. */
  function node(answer?: (m: Extract<HeadMessage, { t: 'tail?' }>) => AgentMessage) {
    const sent: HeadMessage[] = [];
    let tails: OutputTails;
    const cluster = {
      isUp: (name: string) => name !== 'down',
      send: (name: string, m: HeadMessage) => {
        sent.push(m);
        if (answer && m.t === 'tail?') setImmediate(() => tails.take(name, [answer(m)]));
        return true;
      },
    };
    tails = new OutputTails(cluster, 200);
    return { tails, sent };
  }
  const ask = { node: 'n1', jobId: '5.s', attempt: 1, stream: 'out' as const, from: 3 };

  it('settles a request with the answer that carries its id, from its node', async () => {
    const { tails } = node((m) => ({
      t: 'tail',
      reqId: m.reqId,
      text: 'hi',
      next: m.from + 2,
      running: true,
    }));
    const r = await tails.ask(ask);
    expect(r).toEqual({ ok: true, value: expect.objectContaining({ text: 'hi', next: 5, running: true }) });
    expect(tails.waiting).toBe(0);
  });

  it('an answer from another node or with another id is dropped from the batch and settles nothing', async () => {
    const { tails, sent } = node();
    const pending = tails.ask(ask);
    const reqId = (sent[0] as { reqId: string }).reqId;
    const stray: AgentMessage = { t: 'tail', reqId, text: 'x', next: 4, running: true };
    const other: AgentMessage = { t: 'pong', n: 1 };
    expect(tails.take('n2', [stray, other])).toEqual([other]);
    expect(tails.take('n1', [{ ...stray, reqId: 'nope' }])).toEqual([]);
    expect((await pending).ok).toBe(false);
  });

  it('an agent that ignores the message (an old one) or a down node: NODE_NOT_ANSWERING', async () => {
    const { tails } = node();
    const started = Date.now();
    const r = await tails.ask(ask);
    expect(r.ok ? undefined : r.error.code).toBe('NODE_NOT_ANSWERING');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    const down = await tails.ask({ ...ask, node: 'down' });
    expect(down.ok ? undefined : down.error).toEqual({
      code: 'NODE_NOT_ANSWERING',
      message: 'node down is down',
    });
    expect(tails.waiting).toBe(0);
  });
});
