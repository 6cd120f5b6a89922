// pbs_rsub's command line and a reservation's window, as PBS's pbs_rsub and server derive them.
import { describe, expect, it } from 'vitest';
import { resvId, resvQueue, resvSeq } from '../../core/pbs/resv-id.js';
import { resvWindow } from '../../core/pbs/resv-window.js';
import { parseRsub } from '../../core/pbs/rsub-command-line.js';

/** Epoch seconds of a local time (the tests hold in any TZ). */
function local(year: number, month: number, day: number, hour: number, minute: number, second = 0): number {
  return Math.floor(new Date(year, month - 1, day, hour, minute, second).getTime() / 1000);
}

const NOW = local(2024, 6, 15, 12, 0);
const BAD = { ok: false, error: { code: 'BAD_TIME_SPEC', message: 'Bad time specification(s)' } };

describe('resvWindow', () => {
  it('takes two of start, end and walltime and makes the third', () => {
    expect(resvWindow({ start: NOW + 60, end: NOW + 120 }, NOW)).toEqual({
      ok: true,
      value: { start: NOW + 60, end: NOW + 120, duration: 60 },
    });
    expect(resvWindow({ start: NOW + 60, walltime: 30 }, NOW)).toMatchObject({ value: { end: NOW + 90 } });
    expect(resvWindow({ end: NOW + 60, walltime: 30 }, NOW)).toMatchObject({ value: { start: NOW + 30 } });
    expect(resvWindow({ start: NOW, end: NOW + 10, walltime: 10 }, NOW)).toMatchObject({ ok: true });
  });

  it.each([
    ['a start in the past', { start: NOW - 1, end: NOW + 60 }],
    ['an end before the start', { start: NOW + 60, end: NOW + 30 }],
    ['an empty window', { start: NOW + 60, end: NOW + 60 }],
    ['three times that disagree', { start: NOW + 60, end: NOW + 120, walltime: 30 }],
    ['a walltime alone', { walltime: 60 }],
    ['a start alone', { start: NOW + 60 }],
    ['a zero walltime', { start: NOW + 60, walltime: 0 }],
    ['an end and walltime that start in the past', { end: NOW + 10, walltime: 60 }],
  ])('refuses %s with PBS\'s "Bad time specification(s)"', (_what, asked) => {
    expect(resvWindow(asked, NOW)).toEqual(BAD);
  });
});

describe('parseRsub', () => {
  it('reads -R and -E as PBS datetimes, -D as the walltime, -l, -N, -U, -I', () => {
    const r = parseRsub(
      [
        '-R',
        '1300',
        '-E',
        '1330.15',
        '-D',
        '00:30:15',
        '-l',
        'select=1:ncpus=2',
        '-N',
        'night',
        '-U',
        'bob,carol',
        '-I',
        '-30',
      ],
      NOW,
    );
    expect(r).toEqual({
      ok: true,
      value: {
        start: local(2024, 6, 15, 13, 0),
        end: local(2024, 6, 15, 13, 30, 15),
        resources: [
          { name: 'walltime', value: '00:30:15' },
          { name: 'select', value: '1:ncpus=2' },
        ],
        name: 'night',
        authorizedUsers: ['bob', 'carol'],
        interactive: -30,
      },
    });
  });

  it('moves an end before a time-of-day start to the next day, as pbs_rsub does', () => {
    const r = parseRsub(['-R', '2300', '-E', '0100'], local(2024, 6, 15, 22, 0));
    expect(r).toMatchObject({ value: { start: local(2024, 6, 15, 23, 0), end: local(2024, 6, 16, 1, 0) } });
    // a full date is taken as given (the head refuses the window)
    const full = parseRsub(['-R', '06152300', '-E', '06152200'], local(2024, 6, 15, 22, 0));
    expect(full).toMatchObject({ value: { end: local(2024, 6, 15, 22, 0) } });
  });

  it.each([
    [['-R', '2560'], 'illegal -R time value'],
    [['-E', 'tomorrow'], 'illegal -E time value'],
    [['-D', '1:xx'], 'illegal -D value'],
    [['-I', 'soon'], 'illegal -I time value'],
    [['-l', 'ncpus'], 'illegal -l value'],
    [['-q', 'workq'], 'illegal -q value: format "@server"'],
    [['-W', ''], 'illegal -W value'],
    [['-Z'], "invalid option -- 'Z'"],
    [['-R', '1300', 'job.sh'], 'directive error: -R 1300 job.sh '],
  ])('%j: pbs_rsub: %s, with the usage (exit 2)', (argv, message) => {
    expect(parseRsub(argv, NOW)).toEqual({ ok: false, error: { code: 'USAGE', message, usage: true } });
  });

  it.each([
    [['-r', 'FREQ=DAILY;COUNT=3', '-R', '1300', '-E', '1400'], 'standing reservations (-r)'],
    [['--hosts', 'n1'], 'maintenance reservations (--hosts)'],
    [['-W', 'qmove=12'], 'job-specific reservations (-W qmove)'],
  ])('%j: refused as not supported', (argv, what) => {
    expect(parseRsub(argv, NOW)).toEqual({
      ok: false,
      error: {
        code: 'NOT_SUPPORTED',
        message: `${what} are not supported by Drover; make an advance reservation`,
      },
    });
  });
});

describe('reservation ids', () => {
  it('are R<seq>.<server>, their queue R<seq>, typed as R12 or R12.server', () => {
    expect(resvId(12, 'svr')).toBe('R12.svr');
    expect(resvQueue(12)).toBe('R12');
    expect(resvSeq('R12')).toBe(12);
    expect(resvSeq(' R12.svr.example.com\n')).toBe(12);
    expect(resvSeq('12')).toBeUndefined();
    expect(resvSeq('S12.svr')).toBeUndefined();
  });
});
