// A real `drover witness` (head/ha/witness-server.ts) on 127.0.0.70, asked by the heads' client
// (head/ha/witness-client.ts): who gets the lease and when, the epoch kept across a SIGKILL, and
// input from someone without the key, or no protocol at all, refused without harm.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signLine } from '../../core/ha/signed-lines.js';
import type { WitnessReply, WitnessRequest } from '../../core/protocol/ha-witness.js';
import { WitnessClient } from '../../head/ha/witness-client.js';
import { waitUntil } from '../helpers/head.js';
import { runWitnessCommand, TestWitness, writeKeyFile } from '../helpers/witness.js';

const HOST = '127.0.0.70';
const A = '127.0.0.71:7001';
const B = '127.0.0.72:7001';
const KEY = Buffer.from('the test pair’s shared secret');

/** Raw bytes to the witness; what it answered before it closed the connection. */
function raw(address: string, bytes: string | Buffer): Promise<string> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.split(':').pop())];
  return new Promise((res, rej) => {
    const sock = connect({ host, port });
    let got = '';
    sock.on('data', (d) => {
      got += d.toString();
    });
    // the witness may close while a large write is under way
    sock.on('error', (e: NodeJS.ErrnoException) =>
      e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : rej(e),
    );
    sock.on('close', () => res(got));
    sock.write(bytes);
  });
}

describe('drover witness', () => {
  let w: TestWitness;
  let client: WitnessClient;
  const ask = async (msg: WitnessRequest): Promise<WitnessReply> => {
    const reply = await client.request(msg, 5000);
    if (!reply) throw new Error(`no reply to ${JSON.stringify(msg)}: ${client.lastProblem}`);
    return reply;
  };
  /** Wait until the witness says the lease has run out (a real wait: the lease is 0.5 s). */
  const leaseOver = () =>
    waitUntil(
      async () => ((await ask({ t: 'status' })) as { leaseRemainingMs: number }).leaseRemainingMs === 0,
      10_000,
      'the lease to run out',
    );

  beforeAll(async () => {
    w = new TestWitness(HOST, 0.5);
    await w.start();
    client = new WitnessClient(w.address, KEY);
  });
  afterAll(() => w.stop());
  afterEach(() => {
    // whatever a test sent, the witness is still there
    expect(w.alive()).toBe(true);
  });

  it('starts with no holder at epoch 0', async () => {
    expect(await ask({ t: 'status' })).toEqual({
      t: 'status',
      epoch: 0,
      holder: null,
      leaseRemainingMs: 0,
      standbyInSync: false,
    });
  });

  it('grants the first head epoch 1, renews only the holder at its epoch, and keeps others out while the lease lasts', async () => {
    expect(await ask({ t: 'acquire', head: A, epoch: 0 })).toEqual({
      t: 'granted',
      epoch: 1,
      holder: A,
      leaseMs: 500,
    });
    expect(await ask({ t: 'renew', head: A, epoch: 1, standbyInSync: false })).toEqual({
      t: 'granted',
      epoch: 1,
      holder: A,
      leaseMs: 500,
    });
    expect(await ask({ t: 'renew', head: B, epoch: 1, standbyInSync: false })).toEqual({
      t: 'refused',
      epoch: 1,
      holder: A,
      reason: 'not the holder',
    });
    expect(await ask({ t: 'renew', head: A, epoch: 0, standbyInSync: false })).toMatchObject({
      reason: 'wrong epoch',
    });
    expect(await ask({ t: 'acquire', head: B, epoch: 1 })).toMatchObject({
      t: 'refused',
      reason: 'lease held',
    });
  });

  it('refuses a takeover by a standby the holder reported out of sync, even once the lease has run out', async () => {
    await leaseOver();
    expect(await ask({ t: 'acquire', head: B, epoch: 1 })).toEqual({
      t: 'refused',
      epoch: 1,
      holder: A,
      reason: 'standby not in sync',
    });
    // the holder itself may come back at its epoch
    expect(await ask({ t: 'acquire', head: A, epoch: 1 })).toMatchObject({
      t: 'granted',
      epoch: 1,
      holder: A,
    });
  });

  it('hands the lease to an in-sync standby once it has run out, with a new epoch', async () => {
    expect(await ask({ t: 'renew', head: A, epoch: 1, standbyInSync: true })).toMatchObject({ t: 'granted' });
    expect(await ask({ t: 'status' })).toMatchObject({ holder: A, standbyInSync: true });
    expect(await ask({ t: 'acquire', head: B, epoch: 1 })).toMatchObject({ reason: 'lease held' });
    await leaseOver();
    expect(await ask({ t: 'acquire', head: B, epoch: 1 })).toEqual({
      t: 'granted',
      epoch: 2,
      holder: B,
      leaseMs: 500,
    });
    // the old primary learns the new epoch and holder from the refusal
    expect(await ask({ t: 'renew', head: A, epoch: 1, standbyInSync: true })).toEqual({
      t: 'refused',
      epoch: 2,
      holder: B,
      reason: 'not the holder',
    });
    expect(await ask({ t: 'status' })).toMatchObject({ epoch: 2, holder: B, standbyInSync: false });
  });

  it('after a planned release the standby takes over at once, and the old holder’s renewals are refused', async () => {
    expect(await ask({ t: 'renew', head: B, epoch: 2, standbyInSync: true })).toMatchObject({ t: 'granted' });
    expect(await ask({ t: 'release', head: A, epoch: 2 })).toMatchObject({
      t: 'refused',
      reason: 'not the holder',
    });
    expect(await ask({ t: 'release', head: B, epoch: 2 })).toEqual({
      t: 'granted',
      epoch: 2,
      holder: B,
      leaseMs: 0,
    });
    expect(await ask({ t: 'status' })).toMatchObject({ holder: B, leaseRemainingMs: 0 });
    expect(await ask({ t: 'renew', head: B, epoch: 2, standbyInSync: true })).toMatchObject({
      reason: 'released',
    });
    expect(await ask({ t: 'acquire', head: A, epoch: 2 })).toMatchObject({
      t: 'granted',
      epoch: 3,
      holder: A,
    });
  });

  it('answers only the key: another key gets no reply, is logged, and the witness still answers', async () => {
    const stranger = new WitnessClient(w.address, Buffer.from('not the secret the heads share'));
    expect(await stranger.request({ t: 'status' }, 5000)).toBeUndefined();
    expect(stranger.lastProblem).toMatch(/closed without a reply|ECONNRESET/);
    await waitUntil(
      () => w.entries().find((e) => e.reason === 'wrong mac'),
      5000,
      'the wrong MAC in the log',
    );
    expect(await ask({ t: 'status' })).toMatchObject({ t: 'status' });
  });

  it('closes on garbage, an over-long line, an old time or a replay, and lives on', async () => {
    expect(await raw(w.address, 'hello witness\n')).toBe('');
    expect(await raw(w.address, Buffer.alloc(70 * 1024, 'x'))).toBe('');
    expect(await raw(w.address, signLine(KEY, { t: 'status' }, Date.now() - 60_000).line)).toBe('');
    expect(await raw(w.address, signLine(KEY, { t: 'steal' }, Date.now()).line)).toBe('');
    const once = signLine(KEY, { t: 'status' }, Date.now()).line;
    expect(JSON.parse(JSON.parse(await raw(w.address, once)).m)).toMatchObject({ t: 'status' });
    expect(await raw(w.address, once)).toBe('');
    // each refusal is logged (the log comes through a pipe, maybe after the connection closed)
    const logged = ['not JSON', 'line too long', 'more than 30000 ms', 'not a witness request', 'replayed'];
    const reasons = () => w.entries().map((e) => String(e.reason));
    await waitUntil(
      () => logged.every((r) => reasons().some((l) => l.includes(r))),
      5000,
      `the refusals in the log: ${logged.join(', ')}`,
    );
    expect(await ask({ t: 'status' })).toMatchObject({ t: 'status' });
  });
});

describe('drover witness across a SIGKILL', () => {
  let w: TestWitness;
  afterAll(() => w.stop());

  it('keeps the epoch, the holder and standbyInSync, and gives the holder a whole lease on restart', async () => {
    w = new TestWitness(HOST, 0.5);
    await w.start();
    const client = new WitnessClient(w.address, KEY);
    expect(await client.request({ t: 'acquire', head: A, epoch: 41 }, 5000)).toMatchObject({ epoch: 42 });
    expect(await client.request({ t: 'renew', head: A, epoch: 42, standbyInSync: true }, 5000)).toMatchObject(
      {
        t: 'granted',
      },
    );
    expect(JSON.parse(readFileSync(join(w.stateDir, 'witness.json'), 'utf8'))).toEqual({
      epoch: 42,
      holder: A,
      standbyInSync: true,
    });
    expect(await w.signal('SIGKILL')).toBeNull();
    // restarted with a lease long enough to see it held before it runs out, on the same address
    await w.start(2);
    const status = await client.request({ t: 'status' }, 5000);
    expect(status).toMatchObject({ t: 'status', epoch: 42, holder: A, standbyInSync: true });
    expect((status as { leaseRemainingMs: number }).leaseRemainingMs).toBeGreaterThan(0);
    expect(await client.request({ t: 'acquire', head: B, epoch: 0 }, 5000)).toMatchObject({
      reason: 'lease held',
    });
    await waitUntil(
      async () =>
        ((await client.request({ t: 'status' }, 5000)) as { leaseRemainingMs: number }).leaseRemainingMs ===
        0,
      10_000,
      'the lease to run out',
    );
    expect(await client.request({ t: 'acquire', head: B, epoch: 0 }, 5000)).toEqual({
      t: 'granted',
      epoch: 43,
      holder: B,
      leaseMs: 2000,
    });
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await w.signal('SIGTERM')).toBe(0);
    expect(w.entries().some((e) => e.msg === 'shutting down')).toBe(true);
  });
});

describe('drover witness start-up and the client', () => {
  let dir: TestWitness;
  let silent: Server;
  beforeAll(async () => {
    dir = new TestWitness(HOST);
    silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.71', r));
  });
  afterAll(async () => {
    silent.close();
    await dir.stop();
  });

  it('refuses a key file others may read', async () => {
    const open = writeKeyFile(dir.dir, 'a secret with loose permissions', 'open.key');
    chmodSync(open, 0o644);
    const r = await runWitnessCommand(['--listen', `${HOST}:0`, '--state-dir', dir.stateDir, '--key', open]);
    expect(r.code).toBe(2);
    expect(r.log).toMatch(/permissions 0644 for the key .* are too open/);
  });

  it('refuses a damaged state file rather than starting over at epoch 0', async () => {
    const state = join(dir.dir, 'damaged');
    mkdirSync(state);
    writeFileSync(join(state, 'witness.json'), '{"epoch": "seven"}');
    const r = await runWitnessCommand(['--listen', `${HOST}:0`, '--state-dir', state, '--key', dir.keyFile]);
    expect(r.code).toBe(1);
    expect(r.log).toMatch(/witness\.json is damaged/);
  });

  it('resolves undefined, never throws, when nothing listens or nothing answers in time', async () => {
    const port = (silent.address() as { port: number }).port;
    const quiet = new WitnessClient(`127.0.0.71:${port}`, KEY);
    const started = Date.now();
    expect(await quiet.request({ t: 'status' }, 300)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(quiet.lastProblem).toBe('no reply within 300 ms');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.72', r));
    const free = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const nobody = new WitnessClient(`127.0.0.72:${free}`, KEY);
    expect(await nobody.request({ t: 'status' }, 5000)).toBeUndefined();
    expect(nobody.lastProblem).toMatch(/ECONNREFUSED/);
  });
});
