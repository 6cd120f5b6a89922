import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mungeErrorName } from '../../core/protocol/munge-errors.js';
import {
  decodeRequest,
  encodeRequest,
  MUNGE_ANY_ID,
  MUNGE_HEADER_SIZE,
  MUNGE_MAX_REQUEST,
  MungeMsg,
  parseDecodeReply,
  parseEncodeReply,
  readFrame,
} from '../../core/protocol/munge-wire.js';
import { INLINE_PAYLOAD, requestPayload, requestText } from '../../core/protocol/request-binding.js';
import { credentialKey, ReplayGuard } from '../../head/auth/munge-verify.js';

// Replies captured from a real munged 0.5.15 (header included).
const CAPTURED = {
  /** ENC_RSP for payload "hi" */
  encoded:
    '00606d4b040300000000960000000000904d554e47453a41775146414144783261344b576a46556e6d5170666f4679' +
    '504739393664516f45783061625336714e583279356165413365737369306d4675523961676e4b424d486b3437792b' +
    '6272445057375465754f385236684638705a78766c7573345376562f4c50663848754f7a636167777135566c513264' +
    '496f63726354713444593944614771716b3d3a00',
  /** ENC_RSP refusing cipher 99 */
  badCipher: '00606d4b0403000000001d0a17496e76616c69642063697068657220747970652039390000000000',
  /** DEC_RSP of that credential */
  decoded:
    '00606d4b0405000000002d0000040500000000012c047f0000016b10222d6b10222d0000000000000000ffffffffffffffff000000026869',
  /** DEC_RSP of that credential decoded a second time */
  replayed:
    '00606d4b0405000000004111145265706c617965642063726564656e7469616c00040500000000012c047f0000016b10222d' +
    '6b10222d0000000000000000ffffffffffffffff000000026869',
  /** DEC_RSP for a request without the MUNGE: prefix: munged resets every field */
  badPrefix:
    '00606d4b04050000000044081d4661696c656420746f206d617463682061726d6f7220707265666978000000000000000000' +
    '000000000000000000ffffffffffffffffffffffffffffffff00000000',
};

function body(hex: string, type: number): Buffer {
  const read = readFrame(Buffer.from(hex, 'hex'), type);
  if (read === undefined || 'error' in read) throw new Error(`bad fixture: ${JSON.stringify(read)}`);
  expect(read.rest.length).toBe(0);
  return read.frame.body;
}

/** A deterministic stream of bytes (xorshift32). */
function noise(seed: number, n: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('requests', () => {
  it('encodeRequest: header, then the defaults and the payload', () => {
    const msg = encodeRequest(Buffer.from('payload'));
    expect(msg.readUInt32BE(0)).toBe(0x00606d4b); // magic
    expect([msg[4], msg[5], msg[6]]).toEqual([4, MungeMsg.ENC_REQ, 0]); // version, type, retry
    expect(msg.readUInt32BE(7)).toBe(msg.length - MUNGE_HEADER_SIZE);
    const read = readFrame(msg, MungeMsg.ENC_REQ);
    if (read === undefined || 'error' in read) throw new Error('no frame');
    const b = read.frame.body;
    expect([b[0], b[1], b[2], b[3]]).toEqual([1, 1, 1, 0]); // cipher, mac, zip default; no realm
    expect(b.readUInt32BE(4)).toBe(0); // ttl: the daemon's default
    expect(b.readUInt32BE(8)).toBe(MUNGE_ANY_ID);
    expect(b.readUInt32BE(12)).toBe(MUNGE_ANY_ID);
    expect(b.readUInt32BE(16)).toBe(7);
    expect(b.subarray(20).toString()).toBe('payload');
    expect(read.frame.retry).toBe(0);
  });

  it('encodeRequest: an empty payload, and a payload munged would refuse', () => {
    expect(encodeRequest(Buffer.alloc(0)).length).toBe(MUNGE_HEADER_SIZE + 20);
    expect(() => encodeRequest(Buffer.alloc(MUNGE_MAX_REQUEST))).toThrow(RangeError);
  });

  it('decodeRequest: the credential with its NUL', () => {
    const msg = decodeRequest('MUNGE:abc=:');
    const read = readFrame(msg, MungeMsg.DEC_REQ);
    if (read === undefined || 'error' in read) throw new Error('no frame');
    expect(read.frame.body.readUInt32BE(0)).toBe(12);
    expect(read.frame.body.subarray(4).toString('latin1')).toBe('MUNGE:abc=:\0');
  });
});

describe('readFrame', () => {
  const whole = Buffer.from(CAPTURED.decoded, 'hex');

  it('waits for the whole message, byte by byte', () => {
    for (let n = 0; n < whole.length; n++)
      expect(readFrame(whole.subarray(0, n), MungeMsg.DEC_RSP)).toBeUndefined();
    expect(readFrame(whole, MungeMsg.DEC_RSP)).toMatchObject({ frame: { type: MungeMsg.DEC_RSP, retry: 0 } });
  });

  it('returns what follows the message', () => {
    const two = Buffer.concat([whole, whole.subarray(0, 5)]);
    const read = readFrame(two);
    expect(read && 'rest' in read && read.rest.length).toBe(5);
  });

  it('refuses a bad header as soon as it sees it', () => {
    expect(readFrame(Buffer.from('HTTP/1.1 200 OK'))).toEqual({ error: 'bad message magic' });
    expect(readFrame(Buffer.from('00606d4c', 'hex'))).toEqual({ error: 'bad message magic' });
    const v5 = Buffer.from(whole);
    v5[4] = 5;
    expect(readFrame(v5)).toEqual({ error: 'unsupported message version 5' });
    expect(readFrame(whole, MungeMsg.ENC_RSP)).toEqual({ error: 'unexpected message type 5 (wanted 3)' });
    const huge = Buffer.from(whole.subarray(0, MUNGE_HEADER_SIZE));
    huge.writeUInt32BE(0xffffffff, 7);
    expect(readFrame(huge)).toMatchObject({ error: expect.stringMatching(/exceeds/) });
    expect(readFrame(whole, undefined, 10)).toMatchObject({ error: expect.stringMatching(/exceeds 10/) });
  });
});

describe('parseEncodeReply', () => {
  it('a credential', () => {
    const reply = parseEncodeReply(body(CAPTURED.encoded, MungeMsg.ENC_RSP));
    expect(reply.error).toBeUndefined();
    expect(reply.credential).toMatch(/^MUNGE:[A-Za-z0-9+/=]+:$/);
    expect(reply.credential).toHaveLength(0x90 - 1);
  });

  it("munged's refusal", () => {
    expect(parseEncodeReply(body(CAPTURED.badCipher, MungeMsg.ENC_RSP))).toEqual({
      error: { num: 10, name: 'EMUNGE_BAD_CIPHER', message: 'Invalid cipher type 99' },
    });
  });

  it('an error number without text gets munge_strerror text', () => {
    expect(parseEncodeReply(Buffer.from('0500' + '00000000', 'hex')).error).toEqual({
      num: 5,
      name: 'EMUNGE_NO_MEMORY',
      message: 'Out of memory',
    });
    expect(mungeErrorName(42)).toBe('EMUNGE_42');
  });

  it('truncated, overlong or odd replies are errors', () => {
    const good = body(CAPTURED.encoded, MungeMsg.ENC_RSP);
    for (let n = 0; n < good.length; n++) {
      expect(parseEncodeReply(good.subarray(0, n)).error?.name).toBe('EMUNGE_SOCKET');
    }
    expect(parseEncodeReply(Buffer.concat([good, Buffer.from([0])])).error?.message).toMatch(/malformed/);
    const withNewline = Buffer.from(good);
    withNewline[20] = 0x0a;
    expect(parseEncodeReply(withNewline).error?.message).toBe('malformed credential from munged');
    expect(parseEncodeReply(Buffer.from('0000' + '00000000', 'hex')).error?.name).toBe('EMUNGE_SOCKET');
  });
});

describe('parseDecodeReply', () => {
  it('a decoded credential', () => {
    const reply = parseDecodeReply(body(CAPTURED.decoded, MungeMsg.DEC_RSP));
    expect(reply).toEqual({
      uid: 0,
      gid: 0,
      addr: '127.0.0.1',
      encodedAt: 0x6b10222d,
      decodedAt: 0x6b10222d,
      ttl: 300,
      cipher: 4,
      mac: 5,
      zip: 0,
      realm: '',
      authUid: MUNGE_ANY_ID,
      authGid: MUNGE_ANY_ID,
      payload: Buffer.from('hi'),
    });
  });

  it('a replayed credential keeps its fields', () => {
    const reply = parseDecodeReply(body(CAPTURED.replayed, MungeMsg.DEC_RSP));
    expect(reply.error).toEqual({ num: 17, name: 'EMUNGE_CRED_REPLAYED', message: 'Replayed credential' });
    expect(reply).toMatchObject({ uid: 0, addr: '127.0.0.1', ttl: 300, payload: Buffer.from('hi') });
  });

  it('a refused credential', () => {
    const reply = parseDecodeReply(body(CAPTURED.badPrefix, MungeMsg.DEC_RSP));
    expect(reply.error).toEqual({ num: 8, name: 'EMUNGE_BAD_CRED', message: 'Failed to match armor prefix' });
    expect(reply).toMatchObject({ uid: MUNGE_ANY_ID, addr: '0.0.0.0', payload: Buffer.alloc(0) });
  });

  it('truncated, overlong or odd replies are errors', () => {
    const good = body(CAPTURED.replayed, MungeMsg.DEC_RSP);
    for (let n = 0; n < good.length; n++) {
      const reply = parseDecodeReply(good.subarray(0, n));
      expect(reply.error?.name).toBe('EMUNGE_SOCKET');
      expect(reply.uid).toBe(MUNGE_ANY_ID);
    }
    expect(parseDecodeReply(Buffer.concat([good, Buffer.from([0])])).error?.name).toBe('EMUNGE_SOCKET');
    const addr3 = Buffer.from(body(CAPTURED.decoded, MungeMsg.DEC_RSP));
    addr3[10] = 3; // addr_len
    expect(parseDecodeReply(addr3).error?.message).toBe('malformed decode reply from munged');
    const longData = Buffer.from(body(CAPTURED.decoded, MungeMsg.DEC_RSP));
    longData.writeUInt32BE(0xfffffff0, longData.length - 6);
    expect(parseDecodeReply(longData).error?.name).toBe('EMUNGE_SOCKET');
  });

  it('garbage never throws', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const bytes = noise(seed, seed % 97);
      expect(() => parseDecodeReply(bytes)).not.toThrow();
      expect(() => parseEncodeReply(bytes)).not.toThrow();
      expect(() => readFrame(bytes)).not.toThrow();
    }
  });
});

describe('the payload a request binds its credential to', () => {
  const sha256 = (d: Buffer) => createHash('sha256').update(d).digest();
  const payload = (method: string, path: string, body: string | Buffer) =>
    requestPayload(requestText(method, path, body), sha256);

  it('is the request itself while it is small: "METHOD PATH\\n" and the body', () => {
    expect(payload('post', '/api/jobs?x=1', '{"a":1}').toString()).toBe('POST /api/jobs?x=1\n{"a":1}');
  });

  it('is a tagged SHA-256 of it beyond INLINE_PAYLOAD bytes', () => {
    const body = 'x'.repeat(INLINE_PAYLOAD);
    const hashed = payload('POST', '/v1/jobs', body);
    expect(hashed.subarray(0, 7).toString()).toBe('sha256:');
    expect(hashed.subarray(7)).toEqual(sha256(Buffer.from(`POST /v1/jobs\n${body}`)));
  });

  it('binds method, path and body', () => {
    for (const big of [false, true]) {
      const pad = big ? 'p'.repeat(INLINE_PAYLOAD) : '';
      const d = payload('POST', '/api/jobs', `x${pad}`);
      expect(payload('POST', '/api/jobs', Buffer.from(`x${pad}`))).toEqual(d);
      expect(payload('PUT', '/api/jobs', `x${pad}`)).not.toEqual(d);
      expect(payload('POST', '/api/job', `x${pad}`)).not.toEqual(d);
      expect(payload('POST', '/api/jobs', `y${pad}`)).not.toEqual(d);
    }
  });
});

describe('ReplayGuard', () => {
  const cred = 'MUNGE:AwQFAAAMoDimXLA/DxElwL9EaGSyIbhId+n2dy84zt/H/vpp1kGQt3R3+AhWytrGHnoqx07m4Qt5Ao6b:';

  it('remembers a credential until encodedAt + ttl', () => {
    let now = 1000;
    const guard = new ReplayGuard(() => now);
    expect(guard.seen(cred, 1000, 300)).toBe(false);
    expect(guard.seen(cred, 1000, 300)).toBe(true);
    now = 1300;
    expect(guard.seen(cred, 1000, 300)).toBe(true);
    now = 1301; // expired: munged refuses it as expired from now on; the guard forgets it
    expect(guard.seen(cred, 1000, 300)).toBe(false);
  });

  it('sweeps out expired credentials', () => {
    let now = 1000;
    const guard = new ReplayGuard(() => now);
    for (let i = 0; i < 10; i++)
      guard.seen(`MUNGE:${Buffer.from(`credential ${i}`).toString('base64')}:`, 1000, 30);
    expect(guard.size).toBe(10);
    now = 1061;
    guard.seen('MUNGE:bmV3:', 1061, 300);
    expect(guard.size).toBe(1);
  });

  it('knows one credential in its other spellings', () => {
    const key = credentialKey(cred);
    expect(credentialKey(`  ${cred.slice(0, 20)}\n${cred.slice(20)}`)).toBe(key);
    expect(credentialKey(`${cred}trailing`)).toBe(key);
    expect(credentialKey(cred.replace('MUNGE:A', 'MUNGE:B'))).not.toBe(key);
    expect(credentialKey('not a credential')).not.toBe(key);
  });
});
