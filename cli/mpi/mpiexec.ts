// `drover mpiexec -n N [--ppn P] [--tag-output] [--oversubscribe] [--] command args…`: start N
// ranks of a command and serve their wire-up (core/protocol/mpi-wireup.ts). Inside a job
// (PBS_JOBID and PBS_NODEFILE set) the ranks go on the job's slots in PBS_NODEFILE order: those on
// this node (the mother superior, the file's first host) as this process's children, the others
// through one `drover mpi-proxy` per node started by the agents; the wire-up server listens on
// TCP at this node's address. Outside a job every rank runs here and the server is a Unix socket.
// Exit status: the run's (0, the first failing rank's status, an abort's code), 143/130 when this
// process is ended by SIGTERM/SIGINT, 2 for usage errors.
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobContext } from '../task-socket.js';
import { MpiRun, type NodeLink } from './mpi-run.js';
import { type JobTasks, localLink, ProxyLinks } from './node-links.js';
import { type MpiexecOptions, nodefileHosts, parseMpiexec, placeRanks, USAGE } from './rank-placement.js';
import { WireupServer } from './wireup-server.js';

const GRACE_MS = 1000;
const KILL_MS = 2000;

const fail = (message: string, code = 1, usage = false): number => {
  process.stderr.write(`drover mpiexec: ${message}\n${usage ? `${USAGE}\n` : ''}`);
  return code;
};

interface Layout {
  placed: string[];
  slots: string[];
  /** where the server listens: this node's address, or a Unix socket */
  listen: { host: string } | { path: string };
  address: (host: string) => string;
  /** the job's task socket, when ranks go to other nodes */
  job?: JobTasks;
}

/** Where the ranks go and where the server listens, or what is wrong. */
async function layout(o: MpiexecOptions, dir: string): Promise<Layout | string> {
  const nodefile = process.env.PBS_NODEFILE;
  if (!process.env.PBS_JOBID || !nodefile) {
    const here = hostname();
    return {
      placed: Array.from({ length: o.n }, () => here),
      slots: [here],
      listen: { path: join(dir, 'wireup.sock') },
      address: () => '127.0.0.1',
    };
  }
  let hosts: string[];
  try {
    hosts = nodefileHosts(readFileSync(nodefile, 'utf8'));
  } catch (e) {
    return `cannot read PBS_NODEFILE: ${(e as Error).message}`;
  }
  const placed = placeRanks(hosts, o);
  if (typeof placed === 'string') return placed;
  const addresses = new Map<string, string>();
  for (const h of new Set(hosts)) {
    try {
      addresses.set(h, (await lookup(h)).address);
    } catch (e) {
      return `cannot resolve ${h} (from PBS_NODEFILE): ${(e as Error).message}`;
    }
  }
  const job = jobContext();
  if (placed.some((h) => h !== hosts[0]) && !job)
    return 'ranks on other nodes need a Drover job (PBS_JOBCOOKIE, DROVER_TASKS unset)';
  return {
    placed,
    slots: hosts,
    listen: { host: addresses.get(hosts[0]!)! },
    address: (h) => addresses.get(h) ?? h,
    ...(job ? { job } : {}),
  };
}

export async function mpiexec(args: string[]): Promise<number> {
  const o = parseMpiexec(args);
  if (typeof o === 'string') return fail(o, 2, true);
  const dir = mkdtempSync(join(tmpdir(), 'drover-mpi-'));
  try {
    const where = await layout(o, dir);
    if (typeof where === 'string') return fail(where);
    return await launch(o, where, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function launch(o: MpiexecOptions, where: Layout, dir: string): Promise<number> {
  const key = randomBytes(24).toString('hex');
  let run: MpiRun | undefined;
  const theRun = () => run!;
  let proxies: ProxyLinks | undefined;
  const server = new WireupServer(key, {
    proxy: (node, conn) => proxies?.connected(node, conn) ?? 'this run has no node proxies',
    abort: (a) => theRun().abort(a),
    spawn: (s) => theRun().spawn(s),
  });
  let wireup: string;
  try {
    wireup = await server.listen(where.listen);
  } catch (e) {
    return fail(`cannot listen for the ranks: ${(e as Error).message}`);
  }
  const out = (stream: 'out' | 'err', text: string) =>
    (stream === 'out' ? process.stdout : process.stderr).write(text);
  if (where.job) proxies = new ProxyLinks(where.job, theRun, { wireup, key }, (t) => out('err', t));
  const local = localLink(theRun, dir);
  const link = (host: string): NodeLink => (!proxies || host === where.slots[0] ? local : proxies.link(host));
  const { slots, address } = where;
  const timing = { graceMs: GRACE_MS, killMs: KILL_MS };
  const setup = {
    key,
    wireup,
    cwd: process.cwd(),
    tagOutput: o.tagOutput,
    slots,
    address,
    link,
    out,
    ...timing,
  };
  run = new MpiRun(setup, server);
  const signals: [NodeJS.Signals, number][] = [
    ['SIGTERM', 143],
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ];
  const handlers = signals.map(([s, code]) => {
    const h = () => run.end(code, 0);
    process.on(s, h);
    return [s, h] as const;
  });
  run.startUniverse(o.argv, where.placed);
  const status = await run.done;
  server.close();
  await proxies?.settled(KILL_MS + 3000);
  for (const [s, h] of handlers) process.off(s, h);
  return status;
}
