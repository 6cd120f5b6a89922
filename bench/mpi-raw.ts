// The floor of bench/mpi.ts: what two Node processes do over a bare socket, with no message layer.
//   node dist/bench/mpi-raw.js server unix:/path | tcp:HOST:0      (prints {"ready":ADDRESS})
//   node dist/bench/mpi-raw.js client ADDRESS [LOCAL-HOST] ITERATIONS MESSAGES  (prints the figures)
// The client opens two connections: on the first (its first byte 'L') 8 B ping-pongs, each echoed
// by the server; on the second (first byte 'B') the server streams WINDOW writes of 1 MiB for each
// byte the client sends, and the client acks each window it has read. Connection set-up and a
// warm-up are outside the timings.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

const SMALL = 8;

/**
 * Untimed ping-pongs before the timed ones: enough for V8 to have optimized the hot path (a tenth
 * of 5000 left both Node sides in their slower tiers, the library more so); as in bench/mpi-rank.ts.
 */
function warmUp(iterations: number): number {
  return Math.max(3000, Math.ceil(iterations / 10));
}
const LARGE = 1 << 20;
const WINDOW = 16;

function listenOn(address: string): Server {
  const server = createServer({ noDelay: true }, (socket) => {
    // the first byte says what the connection is for; the rest of that chunk belongs to it
    socket.once('data', (d: Buffer) => (d[0] === 0x4c /* L */ ? echo : source)(socket, d.subarray(1)));
  });
  server.on('listening', () => {
    const a = server.address();
    const where = typeof a === 'string' ? `unix:${a}` : `tcp:${a?.address}:${a?.port}`;
    process.stdout.write(`${JSON.stringify({ ready: where })}\n`);
  });
  if (address.startsWith('unix:')) server.listen(address.slice(5));
  else server.listen(tcpAddress(address).port, tcpAddress(address).host);
  return server;
}

/** Latency: every byte straight back. */
function echo(socket: Socket, first: Buffer): void {
  if (first.length > 0) socket.write(first);
  socket.on('data', (d: Buffer) => socket.write(d));
}

/** Bandwidth: WINDOW MiB for every byte the client sends (its first, then its acks). */
function source(socket: Socket, first: Buffer): void {
  const buf = Buffer.alloc(LARGE, 2);
  const burst = (n: number) => {
    for (let k = 0; k < n; k++) for (let w = 0; w < WINDOW; w++) socket.write(buf);
  };
  burst(1 + first.length);
  socket.on('data', (d: Buffer) => burst(d.length));
}

function tcpAddress(address: string): { host: string; port: number } {
  const [, host, port] = /^tcp:(.+):(\d+)$/.exec(address) ?? [];
  if (!host) throw new Error(`mpi-raw: not an address: ${address}`);
  return { host, port: Number(port) };
}

async function open(address: string, localAddress: string | undefined, first: string): Promise<Socket> {
  const socket = address.startsWith('unix:')
    ? connect({ path: address.slice(5) })
    : connect({ ...tcpAddress(address), localAddress, noDelay: true });
  await once(socket, 'connect');
  socket.write(first);
  return socket;
}

/** Resolves after `n` bytes have come back on `socket`. */
function bytesBack(socket: Socket, n: number): Promise<void> {
  return new Promise((resolve) => {
    let got = 0;
    const on = (d: Buffer) => {
      got += d.length;
      if (got >= n) {
        socket.off('data', on);
        resolve();
      }
    };
    socket.on('data', on);
  });
}

async function latency(socket: Socket, iterations: number): Promise<number> {
  const buf = Buffer.alloc(SMALL, 1);
  let start = 0n;
  for (let i = -warmUp(iterations); i < iterations; i++) {
    if (i === 0) start = process.hrtime.bigint();
    const back = bytesBack(socket, SMALL);
    socket.write(buf);
    await back;
  }
  return Number(process.hrtime.bigint() - start) / 1e3 / iterations / 2;
}

/**
 * Receives `messages` MiB (after a warm-up window) into one reused buffer, as a layer reading
 * straight into its own memory would (`onread`: no allocation per chunk), acking every window.
 */
async function bandwidth(
  address: string,
  localAddress: string | undefined,
  messages: number,
): Promise<number> {
  const rounds = Math.max(1, Math.floor(messages / WINDOW));
  let remaining = rounds;
  let got = 0;
  let start = 0n;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const onread = {
    buffer: Buffer.alloc(4 * LARGE),
    callback: (n: number) => {
      got += n;
      if (got < WINDOW * LARGE) return true;
      got -= WINDOW * LARGE;
      if (start === 0n)
        start = process.hrtime.bigint(); // the warm-up window is in
      else if (--remaining === 0) done();
      if (remaining > 0) socket.write('B');
      return true;
    },
  };
  const socket = address.startsWith('unix:')
    ? connect({ path: address.slice(5), onread })
    : connect({ ...tcpAddress(address), localAddress, noDelay: true, onread });
  await once(socket, 'connect');
  socket.write('B');
  await finished;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  socket.destroy();
  return (rounds * WINDOW * LARGE) / seconds / 1e6;
}

const [role, address, ...rest] = process.argv.slice(2);
if (role === 'server' && address) listenOn(address);
else if (role === 'client' && address) {
  const local = rest.length > 2 ? rest.shift() : undefined;
  const [iterations, messages] = rest.map(Number);
  const l = await open(address, local, 'L');
  const latencyUs = await latency(l, iterations ?? 10_000);
  l.destroy();
  const bandwidthMBps = await bandwidth(address, local, messages ?? 256);
  process.stdout.write(`${JSON.stringify({ latencyUs, bandwidthMBps })}\n`);
} else {
  process.stderr.write('usage: mpi-raw server ADDRESS | client ADDRESS [LOCAL-HOST] ITERATIONS MESSAGES\n');
  process.exit(2);
}
