// The agent's journal on a real file: facts survive a reopen until acknowledged, acknowledgements
// are selective, sequence numbers never repeat (even after a compaction), a torn line is skipped.
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from '../../compute-agent/journal.js';
import type { Fact } from '../../core/protocol/agent-protocol.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'drover-journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const started = (n: number): Fact => ({ kind: 'started', jobId: `${n}.s`, attempt: 1, sessionId: n, at: n });
const reopen = (j: Journal) => {
  j.close();
  return new Journal(dir);
};

describe('agent journal', () => {
  it('numbers a batch in order and replays what was not acknowledged after a reopen', () => {
    const j = new Journal(dir);
    expect(j.appendAll([started(1), started(2), started(3)]).map((e) => e.seq)).toEqual([1, 2, 3]);
    j.ack([2]);
    const again = reopen(j);
    expect(again.unacked().map((e) => e.seq)).toEqual([1, 3]);
    expect(again.appendAll([started(4)])[0]!.seq).toBe(4);
    again.close();
  });

  it('acknowledges a later fact while an earlier one still waits (an exit waiting for its output)', () => {
    const j = new Journal(dir);
    j.appendAll([started(1), started(2)]);
    j.ack([2, 99]);
    expect(j.unacked().map((e) => e.fact)).toEqual([started(1)]);
    j.close();
  });

  it('skips a torn last line left by a crash mid-write', () => {
    const j = new Journal(dir);
    j.appendAll([started(1)]);
    j.close();
    appendFileSync(join(dir, 'journal.jsonl'), '{"seq":2,"fact":{"kind":"sta');
    const again = new Journal(dir);
    expect(again.unacked().map((e) => e.seq)).toEqual([1]);
    again.close();
  });

  it('compacts a large file to the unacknowledged facts and keeps counting from the last number', () => {
    const j = new Journal(dir);
    const big = 'x'.repeat(2000);
    let last = 0;
    for (let i = 0; i < 700; i++) {
      const [e] = j.appendAll([{ ...started(i), jobId: `${i}.${big}` }]);
      last = e!.seq;
      if (i !== 5) j.ack([e!.seq]);
    }
    const again = reopen(j);
    expect(statSync(join(dir, 'journal.jsonl')).size).toBeLessThan(1 << 20);
    expect(again.unacked().map((e) => e.seq)).toEqual([6]);
    expect(again.appendAll([started(1)])[0]!.seq).toBe(last + 1);
    again.close();
  });
});
