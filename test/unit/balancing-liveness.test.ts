import { describe, expect, it } from 'vitest';
import { Balancer, type Member } from '../../core/balancing/balancer.js';
import { LatencyHistogram } from '../../core/balancing/latency-histogram.js';
import { DEFAULT_LIVENESS, Liveness } from '../../core/balancing/liveness.js';
import { idempotent, mayRetry, neverSent } from '../../core/balancing/retry-rules.js';

const config = { ...DEFAULT_LIVENESS, rise: 2, fall: 3, consecutiveFailures: 3, baseEjectionMs: 1000 };

describe('liveness', () => {
  it('active checks: fall failures take it out, rise passes bring it back', () => {
    const l = new Liveness(config);
    l.checkFailed();
    l.checkFailed();
    expect(l.available(0)).toBe(true);
    l.checkFailed();
    expect(l.available(0)).toBe(false);
    l.checkPassed(10);
    expect(l.available(10)).toBe(false);
    l.checkPassed(20);
    expect(l.available(20)).toBe(true);
  });

  it('a pass in between restarts the count of failures', () => {
    const l = new Liveness(config);
    l.checkFailed();
    l.checkFailed();
    l.checkPassed(0);
    l.checkFailed();
    l.checkFailed();
    expect(l.available(0)).toBe(true);
  });

  it('ejects after consecutive failed calls, for longer at each repeat', () => {
    const l = new Liveness(config);
    expect(l.callFailed(0)).toBe(false);
    expect(l.callFailed(0)).toBe(false);
    expect(l.callFailed(0)).toBe(true);
    expect(l.available(999)).toBe(false);
    expect(l.available(1000)).toBe(true);
    for (let k = 0; k < 3; k++) l.callFailed(1000);
    expect(l.available(2999)).toBe(false);
    expect(l.available(3000)).toBe(true);
    for (let k = 0; k < 3; k++) l.callFailed(3000);
    expect(l.ejectedUntil).toBe(6000);
  });

  it('a success in between restarts the count of failed calls', () => {
    const l = new Liveness(config);
    l.callFailed(0);
    l.callFailed(0);
    l.callSucceeded();
    expect(l.callFailed(0)).toBe(false);
    expect(l.available(0)).toBe(true);
  });

  it('forgets old ejections once the instance has stayed in for the longest ejection', () => {
    const l = new Liveness(config);
    for (let k = 0; k < 3; k++) l.callFailed(0);
    const later = 1000 + config.maxEjectionMs + 1;
    for (let k = 0; k < 3; k++) l.callFailed(later);
    expect(l.ejectedUntil).toBe(later + 1000);
  });

  it('slow start: the weight ramps from the floor to 1 over slowStartMs after a readmission', () => {
    const l = new Liveness({ ...config, slowStartMs: 10_000, minWeight: 0.1 });
    expect(l.weight(0)).toBe(1);
    for (let k = 0; k < 3; k++) l.checkFailed();
    l.checkPassed(100_000);
    l.checkPassed(100_000);
    expect(l.weight(100_000)).toBe(0.1);
    expect(l.weight(105_000)).toBeCloseTo(0.5);
    expect(l.weight(110_000)).toBe(1);
  });

  it('slow start after an ejection ends, and the ramping member gets fewer calls', () => {
    const mk = (id: string): Member => ({
      id,
      ncpus: 1,
      capacity: 100,
      inFlight: 0,
      liveness: new Liveness(config),
    });
    const a = mk('a');
    const b = mk('b');
    const bal = new Balancer<Member>('least-outstanding');
    bal.setMembers([a, b]);
    for (let k = 0; k < 3; k++) b.liveness.callFailed(0);
    const at = b.liveness.ejectedUntil + 1000; // 10 % into the 10 s ramp
    let toB = 0;
    for (let k = 0; k < 20; k++) {
      const m = bal.choose(at)!;
      m.inFlight++;
      if (m === b) toB++;
    }
    expect(toB).toBeLessThanOrEqual(3);
  });
});

describe('retry rules', () => {
  it('knows idempotent calls by method or header', () => {
    expect(idempotent('GET', false, undefined)).toBe(true);
    expect(idempotent('PUT', false, undefined)).toBe(true);
    expect(idempotent('POST', false, undefined)).toBe(false);
    expect(idempotent('POST', true, undefined)).toBe(true);
    expect(idempotent('POST', false, '1')).toBe(true);
  });

  it('retries what was never sent, and what may have arrived only when idempotent', () => {
    expect(neverSent('ECONNREFUSED')).toBe(true);
    expect(neverSent('UND_ERR_SOCKET')).toBe(false);
    expect(mayRetry('not-sent', false, true)).toBe(true);
    expect(mayRetry('lost', false, true)).toBe(false);
    expect(mayRetry('lost', true, true)).toBe(true);
    expect(mayRetry('server-error', true, false)).toBe(false);
    expect(mayRetry('answered', true, true)).toBe(false);
  });
});

describe('latency histogram', () => {
  it('reads percentiles from its buckets', () => {
    const h = new LatencyHistogram();
    for (let k = 0; k < 90; k++) h.record(0.8);
    for (let k = 0; k < 9; k++) h.record(40);
    h.record(900);
    expect(h.summary()).toEqual({ p50: 1, p90: 1, p99: 50 });
    expect(h.percentile(1)).toBe(900);
    h.reset();
    expect(h.percentile(0.5)).toBe(0);
  });
});
