// The web view's pure parts: times and sizes as it shows them, the jobs table's filters ↔ the URL,
// the pages by path, the coalescing of event bursts, which events concern a page, and a job record
// as rows of attributes.
import { describe, expect, it } from 'vitest';
import { type Clock, coalesce } from '../../web/coalesce.js';
import {
  formatAbsolute,
  formatBytes,
  formatDuration,
  formatRelative,
  percent,
} from '../../web/display-format.js';
import { eventNames } from '../../web/event-match.js';
import {
  ariaSort,
  filtersFromQuery,
  filtersToQuery,
  jobsApiQuery,
  toggleSort,
} from '../../web/job-filters.js';
import { recordRows } from '../../web/record-rows.js';
import { farmPath, jobPath, parseRoute, shortId } from '../../web/routes.js';

describe('times, durations and sizes', () => {
  it('shows a moment in the given zone', () => {
    const ms = Date.UTC(2024, 11, 3, 10, 26, 5);
    expect(formatAbsolute(ms, 'UTC', 'en-GB')).toBe('3 Dec 2024, 10:26:05');
    expect(formatAbsolute(ms, 'Asia/Tokyo', 'en-GB')).toBe('3 Dec 2024, 19:26:05');
  });

  it('says how long ago or how soon, in the largest unit', () => {
    const now = 1_700_000_000_000;
    expect(formatRelative(now - 2000, now)).toBe('just now');
    expect(formatRelative(now - 45_000, now)).toBe('45 s ago');
    expect(formatRelative(now - 5 * 60_000 - 10_000, now)).toBe('5 min ago');
    expect(formatRelative(now + 2 * 3600_000, now)).toBe('in 2 h');
    expect(formatRelative(now - 3 * 86400_000, now)).toBe('3 d ago');
  });

  it('gives durations in their two largest units', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(7200)).toBe('2 h');
    expect(formatDuration(7500)).toBe('2 h 5 min');
    expect(formatDuration(3 * 86400 + 4 * 3600 + 59)).toBe('3 d 4 h');
  });

  it('gives sizes in binary units and shares in whole percent', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12 * 2 ** 30)).toBe('12 GiB');
    expect(percent(3, 8)).toBe(38);
    expect(percent(0, 0)).toBe(0);
  });
});

describe('the jobs table’s filters and the URL', () => {
  it('reads the filters from a pasted query and writes them back in a fixed order', () => {
    const f = filtersFromQuery('?state=qh&user=alice&page=3&sort=ctime&dir=desc&junk=1');
    expect(f).toEqual({ user: 'alice', state: 'QH', sort: 'ctime', dir: 'desc', page: 3 });
    expect(filtersToQuery(f)).toBe('?user=alice&state=QH&sort=ctime&dir=desc&page=3');
    expect(filtersToQuery({})).toBe('');
  });

  it('leaves out what is malformed', () => {
    expect(filtersFromQuery('?sort=evil&dir=up&page=-2&user=%20&state=12')).toEqual({});
  });

  it('keeps an array id and a name as they are (URL-encoded)', () => {
    const q = filtersToQuery({ array: '12[]', name: 'a b' });
    expect(q).toBe('?name=a+b&array=12%5B%5D');
    expect(filtersFromQuery(q)).toEqual({ name: 'a b', array: '12[]' });
  });

  it('asks the head for a page of 50', () => {
    expect(jobsApiQuery({ user: 'bob', page: 2 })).toBe('?user=bob&page=2&per=50');
  });

  it('sorts by a header click: a new column ascending, the same one flipped, back to page 1', () => {
    const a = toggleSort({ user: 'bob', page: 4 }, 'name');
    expect(a).toEqual({ user: 'bob', sort: 'name', dir: 'asc' });
    expect(toggleSort(a, 'name').dir).toBe('desc');
    expect(toggleSort(toggleSort(a, 'name'), 'name').dir).toBe('asc');
    expect(ariaSort(a, 'name')).toBe('ascending');
    expect(ariaSort(a, 'id')).toBe('none');
  });
});

describe('pages by URL', () => {
  it('names the page of each path', () => {
    expect(parseRoute('/web/', '')).toEqual({ page: 'overview' });
    expect(parseRoute('/web/jobs', '?user=a')).toEqual({ page: 'jobs', search: '?user=a' });
    expect(parseRoute('/web/jobs/12%5B3%5D', '')).toEqual({ page: 'job', id: '12[3]' });
    expect(parseRoute('/web/farms/7%5B%5D', '')).toEqual({ page: 'farm', id: '7[]' });
    expect(parseRoute('/web/nodes', '')).toEqual({ page: 'nodes' });
    expect(parseRoute('/web/ha/', '')).toEqual({ page: 'ha' });
    expect(parseRoute('/web/nodes/x', '')).toEqual({ page: 'missing', path: '/web/nodes/x' });
    expect(parseRoute('/web/jobs/1/2', '').page).toBe('missing');
  });

  it('names jobs and farms by their short id (a path with a dot would be a file)', () => {
    expect(shortId('12[3].head1')).toBe('12[3]');
    expect(jobPath('12.head1')).toBe('/web/jobs/12');
    expect(farmPath('7[].head1')).toBe('/web/farms/7%5B%5D');
  });
});

/** A clock the test moves by hand. */
function manualClock() {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.push({ at: now + ms, fn, id: next });
      return next++;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.filter((x) => x.at <= now)) {
      timers = timers.filter((x) => x !== t);
      t.fn();
    }
  };
  return { clock, advance, pending: () => timers.length };
}

describe('coalescing a burst of events', () => {
  it('calls at once after quiet, then at most once per period however many triggers come', () => {
    const { clock, advance } = manualClock();
    let calls = 0;
    const c = coalesce(() => calls++, 300, clock);
    c.trigger();
    expect(calls).toBe(1);
    for (let i = 0; i < 50; i++) {
      advance(5);
      c.trigger();
    }
    expect(calls).toBe(1);
    advance(50);
    expect(calls).toBe(2);
    advance(1000);
    expect(calls).toBe(2);
    c.trigger();
    expect(calls).toBe(3);
  });

  it('makes no call once cancelled', () => {
    const { clock, advance, pending } = manualClock();
    let calls = 0;
    const c = coalesce(() => calls++, 300, clock);
    c.trigger();
    c.trigger();
    c.cancel();
    expect(pending()).toBe(0);
    advance(1000);
    c.trigger();
    expect(calls).toBe(1);
  });
});

describe('which events concern a page', () => {
  it('matches ids by their sequence number, and events without ids always', () => {
    expect(eventNames({ ids: ['12.h', '13.h'] }, '12')).toBe(true);
    expect(eventNames({ ids: ['12[4].h'] }, '12[]')).toBe(true);
    expect(eventNames({ ids: ['121.h'] }, '12')).toBe(false);
    expect(eventNames({ all: true }, '12')).toBe(true);
  });
});

describe('a job record as attribute rows', () => {
  it('flattens nested fields and marks times', () => {
    const rows = recordRows({
      id: '1.h',
      ctime: 1_700_000_000,
      spec: { argv: ['a', 'b'], env: {} },
      comment: '',
    });
    expect(rows).toEqual([
      { name: 'id', value: '1.h' },
      { name: 'ctime', value: '1700000000', time: 1_700_000_000_000 },
      { name: 'spec.argv', value: 'a, b' },
    ]);
    expect(
      recordRows({
        variables: [
          ['A', '1'],
          ['B', 'x y'],
        ],
      }),
    ).toEqual([{ name: 'variables', value: 'A=1\nB=x y' }]);
  });
});
