// What the witness answers (core/ha/witness-rules.ts) and how its messages are checked
// (core/protocol/ha-witness.ts), without a process (the witness process is tested under test/ha/).
import { describe, expect, it } from 'vitest';
import {
  decide,
  EMPTY_WITNESS,
  startedWitness,
  type WitnessDurable,
  type WitnessState,
} from '../../core/ha/witness-rules.js';
import {
  parseWitnessReply,
  parseWitnessRequest,
  splitHaAddress,
  type WitnessRequest,
} from '../../core/protocol/ha-witness.js';

const LEASE = 3000;
const A = '10.0.0.1:7001';
const B = '10.0.0.2:7001';

/** Run requests in order at the given times; the last decision. */
function run(s: WitnessState, steps: [WitnessRequest, number][]) {
  let d = decide(s, steps[0]![0], steps[0]![1], LEASE);
  for (const [req, now] of steps.slice(1)) d = decide(d.next, req, now, LEASE);
  return d;
}

const held = (durable: WitnessDurable, leaseUntil: number): WitnessState => ({
  durable,
  leaseUntil,
  released: false,
});

describe('the witness’s rules', () => {
  it('gives the first head to acquire epoch 1 and stores it', () => {
    const d = decide(
      startedWitness(EMPTY_WITNESS, 100, LEASE),
      { t: 'acquire', head: A, epoch: 0 },
      100,
      LEASE,
    );
    expect(d.reply).toEqual({ t: 'granted', epoch: 1, holder: A, leaseMs: LEASE });
    expect(d.persist).toBe(true);
    expect(d.next).toEqual({
      durable: { epoch: 1, holder: A, standbyInSync: false },
      leaseUntil: 3100,
      released: false,
    });
  });

  it('starts the new epoch above the highest either side knows', () => {
    const d = decide(startedWitness(EMPTY_WITNESS, 0, LEASE), { t: 'acquire', head: A, epoch: 7 }, 0, LEASE);
    expect(d.reply).toMatchObject({ t: 'granted', epoch: 8 });
  });

  it('renews the holder at its epoch, and stores standbyInSync only when it changes', () => {
    const s = held({ epoch: 4, holder: A, standbyInSync: false }, 1000);
    const same = decide(s, { t: 'renew', head: A, epoch: 4, standbyInSync: false }, 500, LEASE);
    expect(same).toMatchObject({ reply: { t: 'granted', epoch: 4, holder: A }, persist: false });
    expect(same.next.leaseUntil).toBe(3500);
    const changed = decide(s, { t: 'renew', head: A, epoch: 4, standbyInSync: true }, 500, LEASE);
    expect(changed.persist).toBe(true);
    expect(changed.next.durable.standbyInSync).toBe(true);
  });

  it('refuses a renewal from another head or at another epoch, changing nothing', () => {
    const s = held({ epoch: 4, holder: A, standbyInSync: true }, 1000);
    for (const [req, reason] of [
      [{ t: 'renew', head: B, epoch: 4, standbyInSync: true }, 'not the holder'],
      [{ t: 'renew', head: A, epoch: 3, standbyInSync: false }, 'wrong epoch'],
    ] as const) {
      const d = decide(s, req, 500, LEASE);
      expect(d.reply).toEqual({ t: 'refused', epoch: 4, holder: A, reason });
      expect(d.next).toBe(s);
      expect(d.persist).toBe(false);
    }
  });

  it('refuses a takeover while the lease is valid, and after it only if the standby was in sync', () => {
    const inSync = held({ epoch: 4, holder: A, standbyInSync: true }, 3000);
    expect(decide(inSync, { t: 'acquire', head: B, epoch: 4 }, 3000, LEASE).reply).toMatchObject({
      t: 'refused',
      reason: 'lease held',
    });
    const d = decide(inSync, { t: 'acquire', head: B, epoch: 4 }, 3001, LEASE);
    expect(d.reply).toEqual({ t: 'granted', epoch: 5, holder: B, leaseMs: LEASE });
    // the new primary has no standby in sync until it says so
    expect(d.next.durable).toEqual({ epoch: 5, holder: B, standbyInSync: false });
    const behind = held({ epoch: 4, holder: A, standbyInSync: false }, 3000);
    expect(decide(behind, { t: 'acquire', head: B, epoch: 4 }, 9000, LEASE).reply).toEqual({
      t: 'refused',
      epoch: 4,
      holder: A,
      reason: 'standby not in sync',
    });
  });

  it('grants the holder acquiring again at its epoch, renewing the lease', () => {
    const d = decide(
      held({ epoch: 4, holder: A, standbyInSync: true }, 0),
      { t: 'acquire', head: A, epoch: 2 },
      50,
      LEASE,
    );
    expect(d).toMatchObject({ reply: { t: 'granted', epoch: 4, holder: A }, persist: false });
    expect(d.next.leaseUntil).toBe(3050);
  });

  it('after a release: the holder’s renewals are refused, and an in-sync standby takes over at once', () => {
    const s = held({ epoch: 4, holder: A, standbyInSync: true }, 3000);
    const released = decide(s, { t: 'release', head: A, epoch: 4 }, 100, LEASE);
    expect(released.reply).toEqual({ t: 'granted', epoch: 4, holder: A, leaseMs: 0 });
    expect(released.next).toEqual({ durable: s.durable, leaseUntil: 0, released: true });
    expect(
      decide(released.next, { t: 'renew', head: A, epoch: 4, standbyInSync: true }, 150, LEASE).reply,
    ).toMatchObject({
      t: 'refused',
      reason: 'released',
    });
    expect(decide(released.next, { t: 'acquire', head: B, epoch: 4 }, 150, LEASE).reply).toMatchObject({
      t: 'granted',
      epoch: 5,
      holder: B,
    });
    // or the holder takes it back (the switchover was called off)
    const back = run(released.next, [
      [{ t: 'acquire', head: A, epoch: 4 }, 150],
      [{ t: 'renew', head: A, epoch: 4, standbyInSync: true }, 200],
    ]);
    expect(back.reply).toMatchObject({ t: 'granted', epoch: 4, holder: A });
  });

  it('refuses a release from another head or epoch', () => {
    const s = held({ epoch: 4, holder: A, standbyInSync: true }, 3000);
    expect(decide(s, { t: 'release', head: B, epoch: 4 }, 0, LEASE).reply).toMatchObject({
      reason: 'not the holder',
    });
    expect(decide(s, { t: 'release', head: A, epoch: 3 }, 0, LEASE).reply).toMatchObject({
      reason: 'wrong epoch',
    });
  });

  it('reports its status, the lease remaining never below zero', () => {
    const s = held({ epoch: 2, holder: A, standbyInSync: true }, 2500);
    expect(decide(s, { t: 'status' }, 1000, LEASE).reply).toEqual({
      t: 'status',
      epoch: 2,
      holder: A,
      leaseRemainingMs: 1500,
      standbyInSync: true,
    });
    expect(decide(s, { t: 'status' }, 9000, LEASE).reply).toMatchObject({ leaseRemainingMs: 0 });
  });

  it('gives a recorded holder a whole lease when it (re)starts, and nobody none', () => {
    expect(startedWitness({ epoch: 3, holder: A, standbyInSync: true }, 500, LEASE).leaseUntil).toBe(3500);
    expect(startedWitness(EMPTY_WITNESS, 500, LEASE).leaseUntil).toBe(0);
  });
});

describe('the witness’s messages', () => {
  it('takes well-formed requests and drops anything else', () => {
    expect(parseWitnessRequest({ t: 'renew', head: A, epoch: 1, standbyInSync: true, extra: 1 })).toEqual({
      t: 'renew',
      head: A,
      epoch: 1,
      standbyInSync: true,
    });
    expect(parseWitnessRequest({ t: 'status', x: 1 })).toEqual({ t: 'status' });
    for (const bad of [
      null,
      'renew',
      { t: 'renew', head: A, epoch: 1 },
      { t: 'acquire', head: '', epoch: 1 },
      { t: 'acquire', head: A, epoch: -1 },
      { t: 'acquire', head: A, epoch: 1.5 },
      { t: 'release', head: 5, epoch: 1 },
      { t: 'steal', head: A, epoch: 1 },
    ])
      expect(parseWitnessRequest(bad)).toBeUndefined();
  });

  it('takes well-formed replies and drops anything else', () => {
    expect(parseWitnessReply({ t: 'granted', epoch: 1, holder: A, leaseMs: 3000 })).toEqual({
      t: 'granted',
      epoch: 1,
      holder: A,
      leaseMs: 3000,
    });
    expect(parseWitnessReply({ t: 'refused', epoch: 0, holder: null, reason: 'x' })).toMatchObject({
      t: 'refused',
    });
    expect(
      parseWitnessReply({ t: 'status', epoch: 0, holder: null, leaseRemainingMs: 0, standbyInSync: false }),
    ).toMatchObject({ t: 'status' });
    expect(parseWitnessReply({ t: 'granted', epoch: 1, holder: null, leaseMs: 3000 })).toBeUndefined();
    expect(parseWitnessReply({ t: 'refused', epoch: 1, holder: A })).toBeUndefined();
  });

  it('splits addresses, v6 in brackets', () => {
    expect(splitHaAddress('127.0.0.70:7100')).toEqual({ host: '127.0.0.70', port: 7100 });
    expect(splitHaAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    for (const bad of ['host', 'host:', ':80', 'host:99999', '::1:80'])
      expect(() => splitHaAddress(bad)).toThrow();
  });
});
