// The web view's pure parts: login tokens and sessions over a clock, the change feed's coalescing,
// the overview's hour of throughput, the tables a write concerns, cookies, and what a viewer may do.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Requester } from '../../core/policy/permissions.js';
import type { HaStatus } from '../../core/protocol/ha-status.js';
import type { JobRecord } from '../../core/record-types.js';
import { ChangeFeed, type FeedEvent } from '../../head/web/change-feed.js';
import { throughput } from '../../head/web/overview.js';
import { cookieValue } from '../../head/web/web-identify.js';
import { mayDo } from '../../head/web/web-jobs.js';
import { SESSION_MS, TOKEN_MS, WebSessions } from '../../head/web/web-sessions.js';
import { baseUrlOf, topicsOf, watchPair } from '../../head/web/web-wiring.js';

const alice = { user: 'alice', uid: 1001, host: 'h', local: true };

describe('web sessions', () => {
  it('opens one session per token, once, within the token lifetime; sessions expire', () => {
    let now = 1_000_000;
    const s = new WebSessions(() => now);
    const a = s.issue(alice);
    const b = s.issue(alice);
    expect(a.token).not.toBe(b.token);
    const session = s.redeem(a.token)!;
    expect(session.who).toEqual(alice);
    expect(session.csrf).not.toBe(session.id);
    expect(s.redeem(a.token)).toBeUndefined();
    now += TOKEN_MS;
    expect(s.redeem(b.token)).toBeUndefined();
    expect(s.find(session.id)).toBe(session);
    now = session.expires;
    expect(s.find(session.id)).toBeUndefined();
    expect(s.redeem('made-up')).toBeUndefined();
    expect(session.expires - (1_000_000 + 0)).toBe(SESSION_MS);
  });

  it("keeps 20 tokens and sessions per user: one user's logins never push another's out", () => {
    const s = new WebSessions();
    const bob = s.redeem(s.issue({ ...alice, user: 'bob' }).token)!;
    const first = s.redeem(s.issue(alice).token)!;
    for (let i = 0; i < 30; i++) s.redeem(s.issue(alice).token);
    expect(s.find(first.id)).toBeUndefined();
    expect(s.find(bob.id)).toBe(bob);
  });

  it('ends a session at logout', () => {
    const s = new WebSessions();
    const session = s.redeem(s.issue(alice).token)!;
    s.end(session.id);
    expect(s.find(session.id)).toBeUndefined();
  });
});

describe('the change feed', () => {
  afterEach(() => vi.useRealTimers());

  it('sends a burst of job writes and marks as one batch of events, after the delay', () => {
    vi.useFakeTimers();
    const feed = new ChangeFeed((seqs) => seqs.map((s) => ({ id: `${s}.svr`, owner: 'alice@h' })), 250);
    const got: FeedEvent[][] = [];
    feed.job(1); // nobody listens: nothing is kept
    feed.subscribe((e) => got.push(e));
    for (let i = 2; i <= 4; i++) feed.job(i);
    feed.mark('services');
    feed.mark('scheduler', { at: 1 });
    feed.mark('scheduler', { at: 2 });
    expect(got).toEqual([]);
    vi.advanceTimersByTime(250);
    expect(got).toHaveLength(1);
    const byName = Object.fromEntries(got[0]!.map((e) => [e.name, e.data]));
    expect(byName).toEqual({
      jobs: { jobs: ['2.svr', '3.svr', '4.svr'].map((id) => ({ id, owner: 'alice@h' })) },
      farms: {},
      nodes: {},
      services: {},
      scheduler: { at: 2 },
    });
    vi.advanceTimersByTime(1000);
    expect(got).toHaveLength(1);
  });

  it('sends `all` instead of a long list of ids', () => {
    vi.useFakeTimers();
    const feed = new ChangeFeed((seqs) => seqs.map((s) => ({ id: String(s), owner: 'a@h' })), 10);
    const got: FeedEvent[][] = [];
    feed.subscribe((e) => got.push(e));
    for (let i = 0; i < 501; i++) feed.job(i);
    vi.advanceTimersByTime(10);
    expect(got[0]![0]).toEqual({ name: 'jobs', data: { all: true } });
  });
});

describe('the overview', () => {
  it('gives 60 minutes, oldest first, the current minute last, zero where nothing ended', () => {
    const now = Date.UTC(2026, 0, 1, 12, 30, 45);
    const minute = Date.UTC(2026, 0, 1, 12, 30);
    const t = throughput(
      new Map([
        [minute, 3],
        [minute - 59 * 60_000, 1],
        [minute - 60 * 60_000, 9],
      ]),
      now,
    );
    expect(t).toHaveLength(60);
    expect(t[59]).toEqual({ at: minute, ended: 3 });
    expect(t[0]).toEqual({ at: minute - 59 * 60_000, ended: 1 });
    expect(t.reduce((a, m) => a + m.ended, 0)).toBe(4);
  });
});

describe('what a write concerns', () => {
  it('names the topic by the table written', () => {
    const cache = new Map();
    expect(topicsOf(cache, 'UPDATE nodes SET offline = ? WHERE name = ?')).toBe('nodes');
    expect(topicsOf(cache, 'INSERT INTO allocations (seq, node) VALUES (?, ?)')).toBe('nodes');
    expect(topicsOf(cache, 'INSERT OR REPLACE INTO farm_frames VALUES (?)')).toBe('farms');
    expect(topicsOf(cache, 'DELETE FROM service_instances WHERE job = ?')).toBe('services');
    expect(topicsOf(cache, 'UPDATE jobs SET row = ?')).toBeNull();
    expect(topicsOf(cache, 'SELECT * FROM nodes')).toBeNull();
  });
});

describe('cookies and addresses', () => {
  it('reads one cookie among several', () => {
    expect(cookieValue('a=1; drover_session=xyz; b=2', 'drover_session')).toBe('xyz');
    expect(cookieValue('xdrover_session=1', 'drover_session')).toBeUndefined();
    expect(cookieValue(undefined, 'drover_session')).toBeUndefined();
  });

  it('makes login links from the listen address, or the URL given', () => {
    expect(baseUrlOf('127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(baseUrlOf('0.0.0.0:8080')).toMatch(/^http:\/\/[^0][^:]*:8080$/);
    expect(baseUrlOf('::1:8080')).toBe('http://[::1]:8080');
    expect(baseUrlOf('0.0.0.0:8080', 'https://drover.example.org/')).toBe('https://drover.example.org');
  });
});

describe('what a viewer may do', () => {
  const job = (state: string, holdTypes = 'n') =>
    ({ state, holdTypes, owner: 'alice@h' }) as unknown as JobRecord;
  const who = (user: string, role: Requester['role']): Requester => ({ ...alice, user, role });

  it('follows the commands: owners hold, release and delete; others nothing; operators release o holds', () => {
    expect(mayDo(who('alice', 'user'), job('Q'))).toEqual({
      hold: true,
      release: false,
      delete: true,
      rerun: false,
    });
    expect(mayDo(who('bob', 'user'), job('Q'))).toEqual({
      hold: false,
      release: false,
      delete: false,
      rerun: false,
    });
    expect(mayDo(who('alice', 'user'), job('H', 'o'))).toMatchObject({ release: false, hold: true });
    expect(mayDo(who('oper', 'operator'), job('H', 'o'))).toMatchObject({ release: true });
    expect(mayDo(who('alice', 'user'), job('R'))).toEqual({
      hold: false,
      release: false,
      delete: true,
      rerun: true,
    });
    expect(mayDo(who('alice', 'user'), job('F'))).toEqual({
      hold: false,
      release: false,
      delete: false,
      rerun: false,
    });
  });
});

describe('the head pair on the feed', () => {
  afterEach(() => vi.useRealTimers());

  it('marks `ha` when the role or the standby changes, not when only the lag moves', () => {
    vi.useFakeTimers();
    const feed = new ChangeFeed(() => [], 10);
    const got: string[] = [];
    feed.subscribe((events) => got.push(...events.map((e) => e.name)));
    const standby = { from: 'b:1', connected: true, lag: 0, inSync: true };
    let status = { role: 'primary', epoch: 1, primary: 'a:1', quorum: true, standby } as unknown as HaStatus;
    const stop = watchPair(feed, () => status);
    status = { ...status, standby: { ...standby, lag: 40 } };
    vi.advanceTimersByTime(2010);
    expect(got).toEqual([]);
    status = { ...status, standby: { ...standby, inSync: false } };
    vi.advanceTimersByTime(2010);
    expect(got).toEqual(['ha']);
    stop();
    status = { ...status, role: 'standby' };
    vi.advanceTimersByTime(4000);
    expect(got).toEqual(['ha']);
  });
});
