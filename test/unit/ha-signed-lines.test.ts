// The signed lines of the heads and the witness (core/ha/signed-lines.ts): the MAC, the clock
// window, replies bound to their request, replays, and lines split from a byte stream.
import { describe, expect, it } from 'vitest';
import {
  LineSplitter,
  MAX_CLOCK_SKEW_MS,
  MAX_LINE_BYTES,
  openLine,
  ReplayGuard,
  signLine,
} from '../../core/ha/signed-lines.js';

const key = Buffer.from('a shared secret of the test');
const other = Buffer.from('another secret, not the same');
const T = 1_700_000_000_000;
const strip = (line: string) => line.replace(/\n$/, '');

describe('signLine and openLine', () => {
  it('round-trips a message as one line', () => {
    const s = signLine(key, { t: 'status' }, T);
    expect(s.line.endsWith('\n')).toBe(true);
    expect(s.line.indexOf('\n')).toBe(s.line.length - 1);
    const o = JSON.parse(s.line);
    expect(o).toMatchObject({ m: '{"t":"status"}', mac: s.mac, at: T });
    expect(s.mac).toMatch(/^[0-9a-f]{64}$/);
    expect(openLine(key, strip(s.line), T + 5)).toEqual({
      ok: true,
      message: { t: 'status' },
      mac: s.mac,
      at: T,
    });
  });

  it('gives the same message sent twice in one millisecond two different MACs', () => {
    expect(signLine(key, { t: 'status' }, T).mac).not.toBe(signLine(key, { t: 'status' }, T).mac);
  });

  it('refuses another key, a changed message and a changed time', () => {
    const s = strip(signLine(key, { t: 'renew', epoch: 3 }, T).line);
    expect(openLine(other, s, T)).toEqual({ ok: false, reason: 'wrong mac' });
    const o = JSON.parse(s);
    expect(openLine(key, JSON.stringify({ ...o, m: '{"t":"renew","epoch":4}' }), T)).toEqual({
      ok: false,
      reason: 'wrong mac',
    });
    expect(openLine(key, JSON.stringify({ ...o, at: T + 1 }), T)).toEqual({ ok: false, reason: 'wrong mac' });
    expect(openLine(key, JSON.stringify({ ...o, mac: 'zz' }), T)).toEqual({ ok: false, reason: 'wrong mac' });
  });

  it(`refuses a line more than ${MAX_CLOCK_SKEW_MS} ms from the receiver's clock, either way`, () => {
    const s = strip(signLine(key, { t: 'status' }, T).line);
    expect(openLine(key, s, T + MAX_CLOCK_SKEW_MS).ok).toBe(true);
    expect(openLine(key, s, T - MAX_CLOCK_SKEW_MS).ok).toBe(true);
    expect(openLine(key, s, T + MAX_CLOCK_SKEW_MS + 1)).toMatchObject({ ok: false, reason: /more than/ });
    expect(openLine(key, s, T - MAX_CLOCK_SKEW_MS - 1)).toMatchObject({ ok: false, reason: /more than/ });
  });

  it('binds a reply to its request: it opens only against that request’s MAC', () => {
    const req = signLine(key, { t: 'status' }, T);
    const reply = strip(signLine(key, { t: 'granted' }, T, req.mac).line);
    expect(openLine(key, reply, T, req.mac).ok).toBe(true);
    expect(openLine(key, reply, T).ok).toBe(false);
    const later = signLine(key, { t: 'status' }, T + 500);
    expect(openLine(key, reply, T + 500, later.mac)).toEqual({ ok: false, reason: 'wrong mac' });
  });

  it('says what is wrong with a line that is not a signed one', () => {
    expect(openLine(key, 'hello', T)).toEqual({ ok: false, reason: 'not JSON' });
    expect(openLine(key, 'null', T)).toEqual({ ok: false, reason: 'not a signed line' });
    expect(openLine(key, '{"m":1,"mac":"00","at":1}', T)).toEqual({ ok: false, reason: 'not a signed line' });
    expect(openLine(key, '{"m":"{}","mac":"00"}', T)).toEqual({ ok: false, reason: 'no time' });
    expect(openLine(key, 'x'.repeat(MAX_LINE_BYTES + 1), T)).toEqual({ ok: false, reason: 'line too long' });
  });
});

describe('LineSplitter', () => {
  it('returns complete lines however the bytes are cut', () => {
    const sp = new LineSplitter();
    expect(sp.push(Buffer.from('ab'))).toEqual([]);
    expect(sp.push(Buffer.from('c\nde'))).toEqual(['abc']);
    expect(sp.push(Buffer.from('\n\nf\n'))).toEqual(['de', '', 'f']);
  });

  it('keeps a multi-byte character cut between two chunks whole', () => {
    const bytes = Buffer.from('héllo\n');
    const sp = new LineSplitter();
    expect(sp.push(bytes.subarray(0, 2))).toEqual([]);
    expect(sp.push(bytes.subarray(2))).toEqual(['héllo']);
  });

  it('gives up on a line longer than the limit, whether or not its newline came', () => {
    expect(new LineSplitter(8).push(Buffer.from('123456789'))).toBeUndefined();
    const sp = new LineSplitter(8);
    expect(sp.push(Buffer.from('12345'))).toEqual([]);
    expect(sp.push(Buffer.from('6789\n'))).toBeUndefined();
    expect(new LineSplitter(8).push(Buffer.from('12345678\n'))).toEqual(['12345678']);
  });

  it('allows 64 KiB by default', () => {
    const sp = new LineSplitter();
    expect(sp.push(Buffer.alloc(MAX_LINE_BYTES, 'a'))).toEqual([]);
    expect(sp.push(Buffer.from('a'))).toBeUndefined();
  });
});

describe('ReplayGuard', () => {
  it('accepts a MAC once while its time is within the window, and forgets it afterwards', () => {
    const g = new ReplayGuard(30_000);
    expect(g.fresh('m1', T, T)).toBe(true);
    expect(g.fresh('m1', T, T + 100)).toBe(false);
    expect(g.fresh('m2', T, T + 100)).toBe(true);
    // once T is more than the window behind, openLine refuses the line anyway: the MAC is dropped
    expect(g.fresh('m3', T + 31_000, T + 31_000)).toBe(true);
    expect(g.size).toBe(1);
  });
});
