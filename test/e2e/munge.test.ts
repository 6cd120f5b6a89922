// MUNGE credentials against real munged daemons: Drover's client and verifier speak munged's own
// socket protocol, interoperate with munge(1)/unmunge(1), and get munged's verdicts — identity,
// origin, replay, a foreign key, expiry, decode restrictions — as values.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestText } from '../../core/protocol/request-binding.js';
import {
  isMungeFailure,
  type MungeFailure,
  type MungeIdentity,
  ReplayGuard,
  verifyCredential,
} from '../../head/auth/munge-verify.js';
import { mungeCredential } from '../../platform/munge-client.js';
import { TestMunged } from '../helpers/munged.js';

const NOBODY = 65534;

let home: TestMunged; // the head's munged, and the local one of clients on the head's host
let sameKey: TestMunged; // another host of the cluster: same key, origin 127.0.0.5
let otherKey: TestMunged; // a host of another cluster
beforeAll(async () => {
  home = await TestMunged.start();
  [sameKey, otherKey] = await Promise.all([
    TestMunged.start({ keyFile: home.keyFile, origin: '127.0.0.5' }),
    TestMunged.start(),
  ]);
});
afterAll(async () => {
  await Promise.all([home, sameKey, otherKey].filter(Boolean).map((m) => m.stop()));
});

function identity(r: MungeIdentity | MungeFailure): MungeIdentity {
  if (isMungeFailure(r)) throw new Error(`refused: ${r.error}: ${r.message}`);
  return r;
}

/** `munge -s PAYLOAD` (the real client), as `uid` */
function realMunge(socket: string, payload: string, args: string[] = [], uid?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const ids = uid === undefined ? {} : { uid, gid: uid };
    const child = spawn('/usr/bin/munge', ['-S', socket, '-s', payload, ...args], ids);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`munge: ${code} ${err}`)),
    );
  });
}

describe('encode with mungeCredential, decode with verifyCredential', () => {
  it("gives this process's uid/gid, the payload and the time", async () => {
    const payload = requestText('POST', '/api/jobs', '{"script":"echo hi"}');
    const before = Math.floor(Date.now() / 1000);
    const credential = await mungeCredential(payload, home.socket);
    expect(credential).toMatch(/^MUNGE:[A-Za-z0-9+/=]+:$/);
    const id = identity(await verifyCredential(credential, home.socket));
    expect(id.uid).toBe(process.getuid!());
    expect(id.gid).toBe(process.getgid!());
    expect(id.payload).toEqual(payload);
    expect(id.addr).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(id.encodedAt).toBeGreaterThanOrEqual(before);
    expect(id.encodedAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(id.ttl).toBe(300);
  });

  it('an empty payload', async () => {
    const id = identity(
      await verifyCredential(await mungeCredential(Buffer.alloc(0), home.socket), home.socket),
    );
    expect(id.payload.length).toBe(0);
  });

  it('many at once', async () => {
    const payloads = Array.from({ length: 20 }, (_, i) => requestText('GET', `/api/jobs/${i}`, ''));
    const credentials = await Promise.all(payloads.map((p) => mungeCredential(p, home.socket)));
    const ids = await Promise.all(credentials.map((c) => verifyCredential(c, home.socket)));
    expect(ids.map((r) => identity(r).payload)).toEqual(payloads);
  });

  it('a credential decoded twice is REPLAYED the second time', async () => {
    const credential = await mungeCredential(Buffer.from('once'), home.socket);
    identity(await verifyCredential(credential, home.socket));
    expect(await verifyCredential(credential, home.socket)).toEqual({
      error: 'EMUNGE_CRED_REPLAYED',
      message: 'Replayed credential',
    });
  });

  it('garbage is refused', async () => {
    expect(await verifyCredential('not a credential', home.socket)).toEqual({
      error: 'EMUNGE_BAD_CRED',
      message: 'Failed to match armor prefix',
    });
    const forged = await verifyCredential(
      'MUNGE:AwQFAABnYXJiYWdlIGdhcmJhZ2UgZ2FyYmFnZSBnYXJiYWdl:',
      home.socket,
    );
    expect(forged).toMatchObject({ error: expect.stringMatching(/^EMUNGE_(CRED_INVALID|BAD_CRED)$/) });
    expect(await verifyCredential('', home.socket)).toMatchObject({ error: 'EMUNGE_BAD_ARG' });
  });

  it('a credential from a munged with another key is INVALID', async () => {
    const credential = await mungeCredential(Buffer.from('elsewhere'), otherKey.socket);
    identity(await verifyCredential(credential, otherKey.socket)); // good where it was made
    expect(await verifyCredential(credential, home.socket)).toEqual({
      error: 'EMUNGE_CRED_INVALID',
      message: 'Invalid credential',
    });
  });

  it("--origin is the credential's addr; DROVER_MUNGE_SOCKET picks the socket", async () => {
    const saved = process.env.DROVER_MUNGE_SOCKET;
    process.env.DROVER_MUNGE_SOCKET = sameKey.socket;
    try {
      const id = identity(await verifyCredential(await mungeCredential(Buffer.from('remote')), home.socket));
      expect(id.addr).toBe('127.0.0.5');
      expect(id.payload.toString()).toBe('remote');
    } finally {
      if (saved === undefined) delete process.env.DROVER_MUNGE_SOCKET;
      else process.env.DROVER_MUNGE_SOCKET = saved;
    }
  });

  it('a credential made by nobody decodes to uid 65534', async () => {
    const credential = await realMunge(home.socket, 'from nobody', [], NOBODY);
    const id = identity(await verifyCredential(credential, home.socket));
    expect([id.uid, id.gid]).toEqual([NOBODY, NOBODY]);
    expect(id.payload.toString()).toBe('from nobody');
  });

  it('an expired credential is EXPIRED', async () => {
    const credential = await realMunge(home.socket, 'short-lived', ['-t', '1']);
    await new Promise((r) => setTimeout(r, 2100)); // expired once 2 s past its encode second
    expect(await verifyCredential(credential, home.socket)).toEqual({
      error: 'EMUNGE_CRED_EXPIRED',
      message: 'Expired credential',
    });
  });

  it('a credential only nobody may decode is UNAUTHORIZED for root', async () => {
    const credential = await realMunge(home.socket, 'for nobody', ['-u', String(NOBODY)]);
    expect(await verifyCredential(credential, home.socket)).toMatchObject({
      error: 'EMUNGE_CRED_UNAUTHORIZED',
      message: expect.stringMatching(/Unauthorized credential for client UID=0/),
    });
  });
});

describe('wire compatibility with munge(1) and unmunge(1)', () => {
  it('a credential from munge(1) decodes with verifyCredential', async () => {
    const credential = await realMunge(home.socket, 'made by munge(1)');
    const id = identity(await verifyCredential(credential, home.socket));
    expect(id.payload.toString()).toBe('made by munge(1)');
    expect(id.uid).toBe(process.getuid!());
  });

  it('a credential from mungeCredential decodes with unmunge(1)', async () => {
    const credential = await mungeCredential(Buffer.from('made by drover'), home.socket);
    const child = execFile('/usr/bin/unmunge', ['-S', home.socket, '-N']);
    child.stdin!.end(credential);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
    });
    const code = await new Promise((r) => child.once('close', r));
    expect(code).toBe(0);
    expect(out).toMatch(/^STATUS: +0$/m);
    expect(out).toMatch(new RegExp(`^UID: +${process.getuid!()}$`, 'm'));
    expect(out).toMatch(/\n\nmade by drover$/);
  });
});

describe('when munged is not there', () => {
  it('a missing socket is unreachable', async () => {
    const missing = join(home.dir, 'no-such.socket');
    expect(await verifyCredential('MUNGE:x:', missing)).toEqual({
      error: 'unreachable',
      message: `cannot reach munged at ${missing}: ENOENT (is munged running?)`,
    });
    await expect(mungeCredential(Buffer.from('x'), missing)).rejects.toThrow(
      `cannot reach munged at ${missing}: ENOENT`,
    );
  });

  it('a socket left by a killed munged is unreachable', async () => {
    const dead = await TestMunged.start();
    try {
      process.kill(dead.pid!, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      expect(await verifyCredential('MUNGE:x:', dead.socket)).toEqual({
        error: 'unreachable',
        message: `cannot reach munged at ${dead.socket}: ECONNREFUSED (is munged running?)`,
      });
    } finally {
      await dead.stop();
    }
  });
});

describe('ReplayGuard', () => {
  it('refuses a credential a restarted munged has forgotten', async () => {
    const local = await TestMunged.start();
    try {
      const guard = new ReplayGuard();
      const credential = await mungeCredential(Buffer.from('twice'), local.socket);
      identity(await verifyCredential(credential, local.socket, guard));
      await local.restart();
      expect(await verifyCredential(credential, local.socket, guard)).toEqual({
        error: 'EMUNGE_CRED_REPLAYED',
        message: 'Replayed credential (already used with this head)',
      });
      // munged itself took it: the guard was the only defence
      expect(await verifyCredential(credential, local.socket, guard)).toEqual({
        error: 'EMUNGE_CRED_REPLAYED',
        message: 'Replayed credential',
      });
    } finally {
      await local.stop();
    }
  });
});
