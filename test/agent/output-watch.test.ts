// The agent's watch over a render task's spool files, with fake timers and real temp files: what
// was appended since the last read is sent with the progress it says, at most a chunk at a time;
// a task quiet for its stall timeout is reported once; the last output is read at the end.
import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type OutputReport, OutputWatch } from '../../compute-agent/output-watch.js';

let dir: string;
let out: string;
let err: string;
let reports: OutputReport[];
let stalls: number;
let watch: OutputWatch;
const text = () => reports.map((r) => r.text).join('');

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  dir = mkdtempSync(join(tmpdir(), 'drover-watch-'));
  out = join(dir, 'stdout');
  err = join(dir, 'stderr');
  writeFileSync(out, '');
  reports = [];
  stalls = 0;
  watch = new OutputWatch((r) => reports.push(r), 500);
});
afterEach(() => {
  watch.stop();
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

const start = (files = [out], stallSeconds?: number) =>
  watch.watch('1.s', 2, files, stallSeconds, () => stalls++);

describe('OutputWatch', () => {
  it('sends what was appended, with the progress it says, at the next poll', () => {
    start();
    appendFileSync(out, 'Fra:3 Mem:1M | Sample 8/16\n');
    expect(reports).toEqual([]);
    vi.advanceTimersByTime(500);
    expect(reports).toEqual([
      {
        jobId: '1.s',
        attempt: 2,
        text: 'Fra:3 Mem:1M | Sample 8/16\n',
        updates: [
          { k: 'frame', frame: 3 },
          { k: 'percent', percent: 50 },
        ],
      },
    ]);
  });

  it('sends only what is new, and nothing when nothing was written', () => {
    start();
    appendFileSync(out, 'one\n');
    vi.advanceTimersByTime(500);
    vi.advanceTimersByTime(500);
    appendFileSync(out, 'two\n');
    vi.advanceTimersByTime(500);
    expect(reports.map((r) => r.text)).toEqual(['one\n', 'two\n']);
  });

  it('reads stdout and stderr into one report, and keeps only the last percent of a poll', () => {
    writeFileSync(err, '');
    start([out, err]);
    appendFileSync(out, 'PROGRESS: 10%\nPROGRESS: 20%\n');
    appendFileSync(err, 'PROGRESS: 30%\n');
    vi.advanceTimersByTime(500);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.text).toBe('PROGRESS: 10%\nPROGRESS: 20%\nPROGRESS: 30%\n');
    expect(reports[0]!.updates).toEqual([{ k: 'percent', percent: 30 }]);
  });

  it('parses a line only once it is complete, and the last line without a newline at the end', () => {
    start();
    appendFileSync(out, 'PROGRESS: 4');
    vi.advanceTimersByTime(500);
    expect(reports).toEqual([{ jobId: '1.s', attempt: 2, text: 'PROGRESS: 4', updates: [] }]);
    appendFileSync(out, '0%\nPROGRESS: 90%');
    vi.advanceTimersByTime(500);
    expect(reports[1]!.updates).toEqual([{ k: 'percent', percent: 40 }]);
    watch.end('1.s');
    expect(reports).toHaveLength(3);
    expect(reports[2]).toEqual({
      jobId: '1.s',
      attempt: 2,
      text: '',
      updates: [{ k: 'percent', percent: 90 }],
    });
  });

  it('reads what the task wrote last when it ends, then watches no more', () => {
    start();
    appendFileSync(out, 'last words\n');
    watch.end('1.s');
    expect(text()).toBe('last words\n');
    expect(vi.getTimerCount()).toBe(0);
    appendFileSync(out, 'after the end\n');
    vi.advanceTimersByTime(5000);
    expect(text()).toBe('last words\n');
  });

  it('sends a large output a chunk at a time, the rest in the next polls', () => {
    start();
    const big = 'x'.repeat(600 * 1024);
    appendFileSync(out, big);
    vi.advanceTimersByTime(500);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.text.length).toBe(256 * 1024);
    vi.advanceTimersByTime(1000);
    expect(reports.map((r) => r.text.length)).toEqual([256 * 1024, 256 * 1024, 88 * 1024]);
    expect(text()).toBe(big);
  });

  it('reports a task quiet for its stall timeout, once', () => {
    start([out], 2);
    vi.advanceTimersByTime(1500);
    appendFileSync(out, 'alive\n');
    vi.advanceTimersByTime(1500); // written 1 s ago: not stalled
    expect(stalls).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(stalls).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(stalls).toBe(1);
  });

  it('a suspended task is never stalled; its stall timeout starts again when it goes on', () => {
    start([out], 2);
    vi.advanceTimersByTime(1500);
    watch.hold('1.s', true);
    vi.advanceTimersByTime(10_000);
    expect(stalls).toBe(0);
    watch.hold('1.s', false);
    vi.advanceTimersByTime(1500);
    expect(stalls).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(stalls).toBe(1);
  });

  it('never reports a stall without a stall timeout', () => {
    start([out], undefined);
    vi.advanceTimersByTime(60_000);
    expect(stalls).toBe(0);
  });

  it('waits for a file that is not there yet, and survives one truncated under it', () => {
    start([join(dir, 'later')]);
    vi.advanceTimersByTime(500);
    expect(reports).toEqual([]);
    writeFileSync(join(dir, 'later'), 'here now\n');
    vi.advanceTimersByTime(500);
    expect(text()).toBe('here now\n');
    truncateSync(join(dir, 'later'), 0);
    vi.advanceTimersByTime(500);
    appendFileSync(join(dir, 'later'), 'again\n');
    vi.advanceTimersByTime(500);
    // nothing already sent is sent twice; what is written past the old end is sent
    appendFileSync(join(dir, 'later'), 'and more\n');
    vi.advanceTimersByTime(500);
    expect(text().startsWith('here now\n')).toBe(true);
    expect(text().match(/here now/g)).toHaveLength(1);
    expect(text().endsWith('more\n')).toBe(true);
  });

  it('watches several tasks apart and polls only while one is watched', () => {
    const other = join(dir, 'other');
    writeFileSync(other, '');
    start();
    watch.watch('2.s', 1, [other], undefined, () => {});
    appendFileSync(out, 'a\n');
    appendFileSync(other, 'b\n');
    vi.advanceTimersByTime(500);
    expect(reports.map((r) => [r.jobId, r.text])).toEqual([
      ['1.s', 'a\n'],
      ['2.s', 'b\n'],
    ]);
    watch.end('1.s');
    expect(vi.getTimerCount()).toBe(1);
    watch.end('2.s');
    expect(vi.getTimerCount()).toBe(0);
  });
});
