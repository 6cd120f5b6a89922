// Next ticks of cron expressions from a given clock, and cron ids.
import { describe, expect, it } from 'vitest';
import { cronId, cronSeq, nextTick } from '../../core/pbs/cron-schedule.js';

const at = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);

describe('nextTick', () => {
  it('finds the first tick strictly after the clock', () => {
    expect(nextTick('0 2 * * *', at('2026-12-01T01:00:00'))).toEqual({
      ok: true,
      value: at('2026-12-01T02:00:00'),
    });
    expect(nextTick('0 2 * * *', at('2026-12-01T02:00:00'))).toEqual({
      ok: true,
      value: at('2026-12-02T02:00:00'),
    });
    expect(nextTick('*/5 * * * * *', at('2026-12-01T02:00:01'))).toEqual({
      ok: true,
      value: at('2026-12-01T02:00:05'),
    });
    expect(nextTick('@daily', at('2026-12-01T12:00:00'))).toEqual({
      ok: true,
      value: at('2026-12-02T00:00:00'),
    });
  });

  it('a clock long past many ticks gives one next tick, not the missed ones', () => {
    const r = nextTick('*/10 * * * *', at('2026-12-01T05:03:00'));
    expect(r).toEqual({ ok: true, value: at('2026-12-01T05:10:00') });
  });

  it.each(['61 * * * *', 'every day', '* * * * * * * *'])('refuses %j', (expr) => {
    expect(nextTick(expr, 0)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
  });
});

describe('cron ids', () => {
  it('are C<seq>.<server> and parse back as typed', () => {
    expect(cronId(12, 'svr')).toBe('C12.svr');
    expect([cronSeq('C12'), cronSeq('C12.svr'), cronSeq(' C7\n'), cronSeq('12'), cronSeq('Cx')]).toEqual([
      12,
      12,
      7,
      undefined,
      undefined,
    ]);
  });
});
