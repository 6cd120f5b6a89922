// `drover witness`: the third voter of a head pair, a tiny process on a third machine (as
// corosync's qnetd serves a two-node cluster). It grants one head at a time the lease that lets
// it act as primary, and starts a new epoch for each new holder (core/ha/witness-rules.ts). Each
// TCP connection carries one signed request line and one signed reply line
// (core/ha/signed-lines.ts); anything else closes that connection and is logged, and never stops
// the witness. The durable state is stored before the reply that depends on it
// (head/ha/witness-store.ts).
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Logger, pino } from 'pino';
import { LineSplitter, openLine, ReplayGuard, signLine } from '../../core/ha/signed-lines.js';
import { decide, startedWitness, type WitnessState } from '../../core/ha/witness-rules.js';
import {
  parseWitnessRequest,
  splitHaAddress,
  type WitnessReply,
  type WitnessRequest,
} from '../../core/protocol/ha-witness.js';
import { readHaKey } from './ha-key.js';
import { loadWitnessState, saveWitnessState } from './witness-store.js';

export interface WitnessOptions {
  /** HOST:PORT to listen on (port 0: any free port) */
  listen: string;
  stateDir: string;
  key: Buffer;
  leaseMs: number;
  log: Logger;
}

export interface Witness {
  /** where it listens, with the real port */
  address: string;
  close(): Promise<void>;
}

/** How long a connection may take to send its request. */
const REQUEST_TIMEOUT_MS = 5000;

/** The witness's state and its answer to one line (undefined: close without a reply). */
class WitnessCore {
  private state: WitnessState;
  private readonly replays = new ReplayGuard();

  constructor(private readonly o: WitnessOptions) {
    this.state = startedWitness(loadWitnessState(o.stateDir), performance.now(), o.leaseMs);
  }

  get durable() {
    return this.state.durable;
  }

  answer(line: string, peer: string): string | undefined {
    const { key, log } = this.o;
    const wall = Date.now();
    const opened = openLine(key, line, wall);
    if (!opened.ok) return void log.warn({ peer, reason: opened.reason }, 'request refused');
    if (!this.replays.fresh(opened.mac, opened.at, wall))
      return void log.warn({ peer, reason: 'replayed' }, 'request refused');
    const req = parseWitnessRequest(opened.message);
    if (!req) return void log.warn({ peer, reason: 'not a witness request' }, 'request refused');
    return signLine(key, this.apply(req, peer), Date.now(), opened.mac).line;
  }

  private apply(req: WitnessRequest, peer: string): WitnessReply {
    const { log } = this.o;
    const before = this.state.durable;
    const d = decide(this.state, req, performance.now(), this.o.leaseMs);
    if (d.persist) {
      try {
        saveWitnessState(this.o.stateDir, d.next.durable);
      } catch (e) {
        log.error({ err: (e as Error).message }, 'state not saved: request refused');
        return { t: 'refused', epoch: before.epoch, holder: before.holder, reason: 'state not saved' };
      }
    }
    this.state = d.next;
    const after = d.next.durable;
    if (after.epoch !== before.epoch)
      log.info({ epoch: after.epoch, holder: after.holder, previous: before.holder, peer }, 'new epoch');
    else if (after.standbyInSync !== before.standbyInSync)
      log.info({ epoch: after.epoch, holder: after.holder, standbyInSync: after.standbyInSync }, 'standby');
    if (req.t === 'release' && d.reply.t === 'granted')
      log.info({ epoch: after.epoch, peer }, 'lease released');
    if (d.reply.t === 'refused' && req.t === 'acquire')
      log.info({ head: req.head, reason: d.reply.reason, holder: after.holder }, 'acquire refused');
    return d.reply;
  }
}

/** Read one line, answer it, close. */
function serve(sock: Socket, core: WitnessCore, log: Logger): void {
  const peer = `${sock.remoteAddress}:${sock.remotePort}`;
  const lines = new LineSplitter();
  sock.setTimeout(REQUEST_TIMEOUT_MS, () => {
    log.warn({ peer }, 'no request in time: connection closed');
    sock.destroy();
  });
  sock.on('error', (e) => log.debug({ peer, err: e.message }, 'connection error'));
  const onData = (chunk: Buffer) => {
    const got = lines.push(chunk);
    if (got === undefined) {
      log.warn({ peer, reason: 'line too long' }, 'request refused');
      return void sock.destroy();
    }
    if (got.length === 0) return;
    sock.off('data', onData);
    sock.setTimeout(0);
    const reply = core.answer(got[0]!, peer);
    if (reply === undefined) sock.destroy();
    else sock.end(reply);
  };
  sock.on('data', onData);
}

export async function startWitness(o: WitnessOptions): Promise<Witness> {
  const core = new WitnessCore(o);
  const at = splitHaAddress(o.listen);
  const open = new Set<Socket>();
  const server: Server = createServer((sock) => {
    open.add(sock);
    sock.once('close', () => open.delete(sock));
    serve(sock, core, o.log);
  });
  server.maxConnections = 256;
  server.listen(at.port, at.host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([e]) => {
      throw e;
    }),
  ]);
  const port = (server.address() as { port: number }).port;
  const address = `${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}`;
  o.log.info({ listen: address, stateDir: o.stateDir, leaseMs: o.leaseMs, ...core.durable }, 'witness ready');
  return {
    address,
    close: async () => {
      const closed = new Promise((r) => server.close(r));
      for (const sock of open) sock.destroy();
      await closed;
    },
  };
}

/** `drover witness`: run until SIGTERM or SIGINT; the exit code. */
export async function runWitness(o: {
  listen: string;
  stateDir: string;
  keyFile: string;
  leaseMs: number;
}): Promise<number> {
  const log = pino({ name: 'drover-witness', level: process.env.DROVER_LOG_LEVEL ?? 'info' });
  process.umask(0o077);
  let key: Buffer;
  try {
    key = readHaKey(o.keyFile);
  } catch (e) {
    process.stderr.write(`drover: witness: ${(e as Error).message}\n`);
    return 2;
  }
  let witness: Witness;
  try {
    witness = await startWitness({ listen: o.listen, stateDir: o.stateDir, key, leaseMs: o.leaseMs, log });
  } catch (e) {
    process.stderr.write(`drover: witness: ${(e as Error).message}\n`);
    return 1;
  }
  return new Promise<number>((res) => {
    const stop = async () => {
      log.info('shutting down');
      await witness.close();
      res(0);
    };
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
  });
}
