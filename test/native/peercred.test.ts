// The drover_native addon on real sockets and the real account database (the tests run as root):
// SO_PEERCRED tells a Unix-socket server the kernel-verified pid/uid/gid of whoever connected, and the
// NSS lookups find users and their groups.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  groupByName,
  groupsOf,
  type PeerCred,
  peerCred,
  userByName,
  userByUid,
} from '../../native/native.js';

const NOBODY = 65534;

const fdOf = (s: Socket): number => (s as unknown as { _handle: { fd: number } })._handle.fd;

let base: string;
let path: string;
let server: Server;
// Credentials of each accepted connection, handed to whoever waits for the next one.
const accepted: ((cred: PeerCred) => void)[] = [];
const nextPeer = () => new Promise<PeerCred>((resolve) => accepted.push(resolve));

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'drover-native-peercred-'));
  chmodSync(base, 0o755);
  path = join(base, 'head.sock');
  server = createServer((sock) => {
    sock.on('error', () => {}); // a client may go away first
    const cred = peerCred(fdOf(sock));
    sock.end(`${cred.uid}\n`);
    accepted.shift()?.(cred);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  chmodSync(path, 0o777); // anyone may connect; the server learns who did
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('peerCred', () => {
  it('gives the uid, gid and pid of a child that connects as nobody', async () => {
    const peer = nextPeer();
    const script = `const s = require('node:net').connect(process.argv[1]); s.pipe(process.stdout);`;
    const child = spawn(process.execPath, ['-e', script, path], {
      uid: NOBODY,
      gid: NOBODY,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(await peer).toEqual({ pid: child.pid, uid: NOBODY, gid: NOBODY });
    expect(out).toBe(`${NOBODY}\n`); // what the server answered, from the same credentials
  });

  it('gives the test process its own credentials when it connects to itself (both ends)', async () => {
    const peer = nextPeer();
    const client = connect(path);
    client.on('error', () => {});
    await new Promise<void>((resolve) => client.on('connect', resolve));
    const self = { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() };
    expect(await peer).toEqual(self);
    expect(peerCred(fdOf(client))).toEqual(self);
    client.destroy();
  });

  it('throws an error naming the errno for a bad fd, a non-socket and a TCP socket', async () => {
    expect(() => peerCred(-1)).toThrow(/EBADF/);
    expect(() => peerCred(1_000_000)).toThrow(/EBADF/);
    const file = openSync(join(base, 'plain'), 'w');
    try {
      expect(() => peerCred(file)).toThrow(/ENOTSOCK/);
    } finally {
      closeSync(file);
    }
    const tcp = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const port = (tcp.address() as { port: number }).port;
    const client = connect(port, '127.0.0.1');
    client.on('error', () => {}); // the server hangs up at once
    await new Promise<void>((resolve) => client.on('connect', resolve));
    try {
      expect(() => peerCred(fdOf(client))).toThrow(/EAFNOSUPPORT/);
    } finally {
      client.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    }
    expect(() => peerCred('3' as unknown as number)).toThrow(TypeError);
  });
});

describe('accounts', () => {
  const getent = (db: string, key: string) =>
    spawnSync('getent', [db, key], { encoding: 'utf8' }).stdout.trim().split(':');

  it('finds root by name and by uid, as getent does', () => {
    const [name, , uid, gid, , home, shell] = getent('passwd', 'root');
    const expected = { name, uid: Number(uid), gid: Number(gid), home, shell };
    expect(expected).toMatchObject({ name: 'root', uid: 0, gid: 0 });
    expect(userByName('root')).toEqual(expected);
    expect(userByUid(0)).toEqual(expected);
    expect(userByUid(NOBODY)).toMatchObject({ name: 'nobody', uid: NOBODY });
  });

  it('returns null for a user that does not exist', () => {
    expect(userByName('drover-no-such-user')).toBeNull();
    expect(userByUid(3_999_999)).toBeNull();
  });

  it('rejects malformed arguments instead of looking up something else', () => {
    expect(() => userByName('')).toThrow(RangeError);
    expect(() => userByName('root\0x')).toThrow(/NUL/);
    expect(() => userByUid(-1)).toThrow(RangeError);
    expect(() => userByUid(1.5)).toThrow(RangeError);
  });

  it('finds a group by name', () => {
    expect(groupByName('root')).toBe(0);
    expect(groupByName('nogroup')).toBe(Number(getent('group', 'nogroup')[2]));
    expect(groupByName('drover-no-such-group')).toBeUndefined();
  });

  it('lists the groups initgroups would give, like id -G', () => {
    expect(groupsOf('nobody', NOBODY)).toEqual([NOBODY]);
    const idG = (user: string) =>
      spawnSync('id', ['-G', user], { encoding: 'utf8' }).stdout.trim().split(' ').map(Number);
    expect(new Set(groupsOf('root', 0))).toEqual(new Set(idG('root')));
    // The primary gid given is always included, even one the user is not listed in.
    expect(groupsOf('root', 4242)).toContain(4242);
    expect(groupsOf('drover-no-such-user', 4242)).toEqual([4242]);
  });
});
