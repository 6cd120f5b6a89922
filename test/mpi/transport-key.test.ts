// A rank's listening sockets (mpi/transport.ts) take only connections that present the run's key
// in their first frame: a wrong key, a data frame first, or a large frame first closes the
// connection without the rank hearing of it; the right key is a peer. Real TCP sockets.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HEADER_BYTES, Kind, writeHeader } from '../../mpi/framing.js';
import { type Link, Transport } from '../../mpi/transport.js';

const opened: Socket[] = [];
const transports: Transport[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) s.destroy();
  await Promise.all(transports.splice(0).map((t) => t.close(0)));
});

function frame(kind: number, payload: Buffer, length = payload.length): Buffer {
  const b = Buffer.alloc(HEADER_BYTES + payload.length);
  writeHeader(b, 0, kind, 0, 0, 0, 0, length);
  payload.copy(b, HEADER_BYTES);
  return b;
}

async function listening() {
  const hellos: Link[] = [];
  const frames: number[] = [];
  const t = new Transport(
    { universe: 'u1', rank: 0, node: 'n', key: 'the-key' },
    {
      hello: (link) => hellos.push(link),
      frame: (_l, kind) => frames.push(kind),
      sink: () => undefined,
      lost: () => {},
    },
  );
  transports.push(t);
  const address = await t.listen(undefined, '127.0.0.1');
  const port = Number(/:(\d+)$/.exec(address.tcp!)![1]);
  return { hellos, frames, port };
}

/** Sends `bytes` on a new connection; resolves true when the rank closed it. */
function closedAfter(port: number, bytes: Buffer, waitMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write(bytes));
    opened.push(s);
    s.on('error', () => {});
    s.on('close', () => resolve(true));
    setTimeout(() => resolve(false), waitMs).unref();
  });
}

describe('the rank transport refuses connections without the run key', () => {
  it('closes a hello with a wrong or missing key, and a frame before hello', async () => {
    const { hellos, frames, port } = await listening();
    expect(await closedAfter(port, frame(Kind.hello, Buffer.from('u1\n1\nnot-the-key')), 5000)).toBe(true);
    expect(await closedAfter(port, frame(Kind.hello, Buffer.from('u1\n1')), 5000)).toBe(true);
    expect(await closedAfter(port, frame(Kind.typed, Buffer.from('12345678')), 5000)).toBe(true);
    // a header announcing 1 GiB before any hello: closed, nothing allocated for it
    expect(await closedAfter(port, frame(Kind.bytes, Buffer.alloc(0), 1 << 30), 5000)).toBe(true);
    expect(hellos).toEqual([]);
    expect(frames).toEqual([]);
  });

  it('takes a hello with the key as the named peer, and its frames', async () => {
    const { hellos, frames, port } = await listening();
    const hello = frame(Kind.hello, Buffer.from('u1\n1\nthe-key'));
    const data = frame(Kind.bytes, Buffer.from('hi'));
    expect(await closedAfter(port, Buffer.concat([hello, data]))).toBe(false);
    expect(hellos.map((l) => l.peer)).toEqual([{ universe: 'u1', rank: 1 }]);
    expect(frames).toEqual([Kind.bytes]);
  });
});
