// The majority lease a head holds (core/ha/lease.ts): grants counted from when the request was
// sent, the longest live grant wins, refusals revoke at once, and the standby's wait.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LEASE_MS, MajorityLease } from '../../core/ha/lease.js';

describe('MajorityLease', () => {
  it('holds nothing before any grant', () => {
    const l = new MajorityLease(3000);
    expect(l.holds(0)).toBe(false);
    expect(l.expiresAt()).toBeUndefined();
    expect(l.grantors(0)).toEqual([]);
  });

  it('counts a grant from when the request was sent, not from when the answer came', () => {
    const l = new MajorityLease(3000);
    // sent at 1000, answered at 1400: the lease ends at 4000, not 4400
    l.granted('witness', 1000);
    expect(l.expiresAt()).toBe(4000);
    expect(l.holds(1400)).toBe(true);
    expect(l.holds(3999)).toBe(true);
    expect(l.holds(4000)).toBe(false);
  });

  it('is held while either voter’s grant lasts, and ends with the last one', () => {
    const l = new MajorityLease(3000);
    l.granted('witness', 0);
    l.granted('standby', 2000);
    expect(l.grantors(2500)).toEqual(['witness', 'standby']);
    expect(l.holds(4000)).toBe(true);
    expect(l.grantors(4000)).toEqual(['standby']);
    expect(l.expiresAt()).toBe(5000);
    expect(l.holds(5000)).toBe(false);
  });

  it('never lets a late answer to an older request shorten a newer grant', () => {
    const l = new MajorityLease(3000);
    l.granted('witness', 2000);
    l.granted('witness', 1000);
    expect(l.expiresAt()).toBe(5000);
  });

  it('never counts a grant longer than its own lease, and takes a shorter one as said', () => {
    const l = new MajorityLease(3000);
    l.granted('witness', 0, 10_000);
    expect(l.expiresAt()).toBe(3000);
    const m = new MajorityLease(3000);
    m.granted('witness', 0, 1000);
    expect(m.expiresAt()).toBe(1000);
  });

  it('drops a voter’s grant when it refuses, or every grant at once', () => {
    const l = new MajorityLease(3000);
    l.granted('witness', 0);
    l.granted('standby', 0);
    l.revoke('witness');
    expect(l.grantors(100)).toEqual(['standby']);
    expect(l.holds(100)).toBe(true);
    l.revoke();
    expect(l.holds(100)).toBe(false);
  });

  it('lets the standby ask for the lease only once takeoverAfter, and at least a lease, has passed', () => {
    const l = new MajorityLease(3000);
    expect(l.mayAcquire(1000, 5999, 5000)).toBe(false);
    expect(l.mayAcquire(1000, 6000, 5000)).toBe(true);
    // a takeoverAfter shorter than the lease is stretched to the lease
    expect(l.mayAcquire(1000, 3500, 1000)).toBe(false);
    expect(l.mayAcquire(1000, 4000, 1000)).toBe(true);
  });

  it('keeps the timings safe: the primary’s view of a standby grant ends before the standby may ask', () => {
    const l = new MajorityLease(DEFAULT_LEASE_MS);
    // the primary sends a heartbeat at 10_000; the standby hears it 300 ms later and acknowledges
    const sent = 10_000;
    const heard = sent + 300;
    l.granted('standby', sent);
    const primaryEnds = l.expiresAt()!;
    let firstAsk = heard;
    while (!l.mayAcquire(heard, firstAsk, DEFAULT_LEASE_MS)) firstAsk++;
    expect(primaryEnds).toBeLessThanOrEqual(firstAsk);
    expect(l.holds(firstAsk)).toBe(false);
  });

  it('refuses a lease of no length', () => {
    expect(() => new MajorityLease(0)).toThrow(/positive/);
  });
});
