// Starting a rank: read the launcher's variables (MPI_ENV in core/protocol/mpi-wireup.ts), listen,
// say hello to the wire-up server, publish this rank's addresses, fence, and build COMM_WORLD.
// Without DROVER_MPI_WIREUP a program runs as a singleton: a COMM_WORLD of one rank.
import { hostname } from 'node:os';
import { MPI_ENV } from '../core/protocol/mpi-wireup.js';
import { Communicator } from './communicator.js';
import { Engine } from './engine.js';
import { InterComm } from './intercomm.js';
import type { Peer } from './rank-peer.js';
import type { ListenAddress } from './transport.js';
import { WireupClient } from './wireup-client.js';

/** Unexpected messages above this many bytes stop reading from their sender until received. */
export const BUDGET_ENV = 'DROVER_MPI_UNEXPECTED_BYTES';
const DEFAULT_BUDGET = 64 * 1024 * 1024;
const addressKey = (rank: number) => `mpi.addr.${rank}`;
const SIZE_KEY = 'mpi.size';

export interface Session {
  engine: Engine;
  world: Communicator;
  universe: string;
  node: string;
  wireup?: WireupClient;
  finalizing: boolean;
}

function need(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`drover/mpi: ${name} is not set (start the program with drover mpiexec)`);
  return v;
}

function count(env: NodeJS.ProcessEnv, name: string, min: number): number {
  const n = Number(need(env, name));
  if (!Number.isInteger(n) || n < min)
    throw new Error(`drover/mpi: ${name}=${env[name]} is not an integer ≥ ${min}`);
  return n;
}

export async function startSession(
  env: NodeJS.ProcessEnv,
  onAbort: (code: number, message: string) => void,
): Promise<Session> {
  const node = env[MPI_ENV.node] || hostname();
  const budgetText = env[BUDGET_ENV];
  const budget = budgetText ? Number(budgetText) : DEFAULT_BUDGET;
  if (!(budget > 0)) throw new Error(`drover/mpi: ${BUDGET_ENV}=${budgetText} is not a positive byte count`);
  if (!env[MPI_ENV.wireup]) return singleton(node, budget);
  const rank = count(env, MPI_ENV.rank, 0);
  const size = count(env, MPI_ENV.size, 1);
  const universe = need(env, MPI_ENV.universe);
  const key = need(env, MPI_ENV.key);
  let client: WireupClient | undefined;
  const engine = new Engine(universe, rank, node, key, budget, (p) => lookupAddress(client!, p));
  const address = await engine.transport.listen(env[MPI_ENV.dir], env[MPI_ENV.address]);
  const session: Session = { engine, universe, node, finalizing: false, world: undefined as never };
  try {
    const hello = await WireupClient.connect(
      need(env, MPI_ENV.wireup),
      { key, universe, rank },
      {
        peerLost: (u, r, reason) => engine.peerLost(engine.peer(u, r), reason),
        abort: onAbort,
        gone: (reason) => {
          if (!session.finalizing)
            onAbort(1, `drover/mpi: rank ${rank} lost the launcher's wire-up server (${reason})`);
        },
      },
    );
    client = session.wireup = hello.client;
    if (hello.size !== size)
      throw new Error(`drover/mpi: the wire-up server says size ${hello.size}, the environment ${size}`);
    const peers = await publish(client, engine, address, size);
    const spawn = (n: number, argv: string[]) => spawnRanks(engine, client!, n, argv);
    session.world = new Communicator(engine, peers, 0, rank, { spawn });
    return session;
  } catch (e) {
    session.finalizing = true;
    await client?.close();
    await engine.transport.close(0);
    throw e;
  }
}

/** Puts this rank's addresses, fences, and returns COMM_WORLD's peers with theirs. */
async function publish(
  client: WireupClient,
  engine: Engine,
  address: ListenAddress,
  size: number,
): Promise<Peer[]> {
  const self = engine.self;
  client.send({ t: 'put', key: addressKey(self.rank), value: JSON.stringify(address) });
  client.send({ t: 'put', key: SIZE_KEY, value: String(size) });
  const fenced = await client.request({ t: 'fence' });
  const store = fenced.t === 'fenced' ? fenced.store : {};
  return Array.from({ length: size }, (_, r) => {
    const p = engine.peer(self.universe, r);
    const a = store[addressKey(r)];
    if (!a) throw new Error(`drover/mpi: rank ${r} published no address before the fence`);
    p.address = JSON.parse(a) as ListenAddress;
    return p;
  });
}

function singleton(node: string, budget: number): Session {
  const engine = new Engine('singleton', 0, node, '', budget, () =>
    Promise.reject(new Error('a singleton has no peers')),
  );
  const spawn = () => Promise.reject(new Error('drover/mpi: spawn needs a run started by drover mpiexec'));
  const world = new Communicator(engine, [engine.self], 0, 0, { spawn });
  return { engine, world, universe: 'singleton', node, finalizing: false };
}

/** A peer's published addresses; another universe's ranks may not have published yet: retry. */
async function lookupAddress(client: WireupClient, p: Peer): Promise<ListenAddress> {
  let delay = 5;
  for (let waited = 0; waited < 60_000; waited += delay, delay = Math.min(delay * 2, 250)) {
    const m = await client.request({ t: 'get', key: addressKey(p.rank), universe: p.universe });
    if (m.t === 'value' && m.value) return JSON.parse(m.value) as ListenAddress;
    await new Promise((r) => setTimeout(r, delay));
  }
  throw new Error(`rank ${p.rank} of universe ${p.universe} published no address within 60 s`);
}

async function spawnRanks(
  engine: Engine,
  client: WireupClient,
  n: number,
  argv: string[],
): Promise<InterComm> {
  const m = await client.request({ t: 'spawn', n, argv });
  if (m.t !== 'spawned') throw new Error(`drover/mpi: spawn answered with ${m.t}`);
  return new InterComm(engine, m.universe, m.size);
}

/** The handle on the universe that spawned this one, or undefined when nobody did. */
export async function parentOf(session: Session, env: NodeJS.ProcessEnv): Promise<InterComm | undefined> {
  const universe = env[MPI_ENV.parent];
  if (!universe || !session.wireup) return undefined;
  const m = await session.wireup.request({ t: 'get', key: SIZE_KEY, universe });
  const size = m.t === 'value' ? Number(m.value) : Number.NaN;
  if (!(size > 0)) throw new Error(`drover/mpi: the parent universe ${universe} has published no size`);
  return new InterComm(session.engine, universe, size);
}
