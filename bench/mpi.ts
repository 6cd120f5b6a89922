// Drover's MPI layer against Open MPI, in one run, with a bare Node socket ping-pong as the floor:
// 8 B one-way latency, 1 MiB streamed bandwidth and an allreduce of 1 M doubles (SUM) on 2 and 4
// ranks, on one node and across two loopback "nodes" (127.0.0.70 and 127.0.0.71). Prints the
// figures and the ratios against the layer's targets. Not a test: it prints figures.
//   npm run bench:mpi [-- --iterations 5000 --messages 256 --repeats 10 --runs 2]
// The sides: bench/mpi-raw.ts (the floor), bench/mpi/pingpong.c via bench/mpi-openmpi.ts, and
// bench/mpi-rank.ts via bench/mpi-drover.ts. Each figure is the best of --runs runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type DroverPlacement, droverMissing, runDrover } from './mpi-drover.js';
import { NODES, type OmpiPlacement, prepareOpenMpi, runOpenMpi } from './mpi-openmpi.js';
import { best, type Figures, runRaw, type Sizes, stopRunning } from './mpi-run.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '5000' },
    messages: { type: 'string', default: '256' },
    repeats: { type: 'string', default: '10' },
    runs: { type: 'string', default: '2' },
  },
});
const SIZES: Sizes = {
  iterations: Number(values.iterations),
  messages: Number(values.messages),
  repeats: Number(values.repeats),
};
const RUNS = Math.max(1, Number(values.runs));

const work = mkdtempSync(join(tmpdir(), 'drover-bench-mpi-'));
process.on('exit', () => {
  stopRunning();
  rmSync(work, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));
const say = (line = '') => process.stdout.write(`${line}\n`);

interface Row {
  section: 'one node' | 'two nodes';
  label: string;
  /** latency, bandwidth and the 2-rank allreduce (one 2-rank run) */
  two?: Figures;
  /** the 4-rank allreduce */
  four?: Figures;
  problem?: string;
}

/** The best of RUNS runs of `measure`; a string when a run fails. */
async function bestOf(measure: () => Promise<Figures | string>): Promise<Figures | string> {
  let out: Figures | undefined;
  for (let i = 0; i < RUNS; i++) {
    const f = await measure();
    if (typeof f === 'string') return f;
    out = best(out, f);
  }
  return out!;
}

async function row(
  section: Row['section'],
  label: string,
  measure: (ranks: number) => Promise<Figures | string>,
  ranks = [2, 4],
): Promise<Row> {
  const r: Row = { section, label };
  for (const n of ranks) {
    const f = await bestOf(() => measure(n));
    if (typeof f === 'string') r.problem = f;
    else if (n === 2) r.two = f;
    else r.four = f;
  }
  return r;
}

let sockets = 0;
async function rawRows(): Promise<Row[]> {
  return [
    await row(
      'one node',
      'raw Node, Unix socket',
      () => runRaw(`unix:${join(work, `raw-${++sockets}.sock`)}`, undefined, SIZES),
      [2],
    ),
    await row(
      'two nodes',
      'raw Node, TCP .70 <-> .71',
      () => runRaw(`tcp:${NODES[0]}:0`, NODES[1], SIZES),
      [2],
    ),
  ];
}

const OMPI_ROWS: [Row['section'], string, OmpiPlacement][] = [
  ['one node', 'Open MPI, shared memory', 'shm'],
  ['one node', 'Open MPI, TCP', 'tcp'],
  ['two nodes', 'Open MPI, TCP', 'two-nodes'],
];

async function openMpiRows(): Promise<Row[]> {
  const o = await prepareOpenMpi(work);
  if (typeof o === 'string') {
    say(`Open MPI's column is skipped: ${o}`);
    return [];
  }
  const rows: Row[] = [];
  for (const [section, label, p] of OMPI_ROWS)
    rows.push(await row(section, label, (n) => runOpenMpi(o, p, n, SIZES)));
  return rows;
}

async function droverRows(): Promise<Row[]> {
  const missing = await droverMissing();
  if (missing) {
    say(`Drover's column is skipped: ${missing}; build the tree with it (npm run build) and run again`);
    return [];
  }
  const places: [Row['section'], DroverPlacement][] = [
    ['one node', 'one-node'],
    ['two nodes', 'two-nodes'],
  ];
  const rows: Row[] = [];
  for (const [section, p] of places) rows.push(await row(section, 'Drover', (n) => runDrover(p, n, SIZES)));
  return rows;
}

const num = (v: number | undefined, digits: number, width: number) =>
  (v === undefined ? '-' : v.toFixed(digits)).padStart(width);

function printTable(rows: Row[]): void {
  say(
    `${''.padEnd(30)}${'8 B latency'.padStart(12)}${'1 MiB bw'.padStart(11)}${'allreduce 1M f64'.padStart(34)}`,
  );
  say(
    `${''.padEnd(30)}${'one way µs'.padStart(12)}${'MB/s'.padStart(11)}${'2 ranks ms'.padStart(17)}${'4 ranks ms'.padStart(17)}`,
  );
  for (const section of ['one node', 'two nodes'] as const) {
    say(section === 'one node' ? 'one node' : `two nodes (${NODES.join(' and ')}, TCP between them)`);
    for (const r of rows.filter((x) => x.section === section)) {
      const line =
        `  ${r.label.padEnd(28)}${num(r.two?.latencyUs, 2, 12)}${num(r.two?.bandwidthMBps, 0, 11)}` +
        `${num(r.two?.allreduceMs, 2, 17)}${num(r.four?.allreduceMs, 2, 17)}`;
      say(r.problem ? `${line}   (${r.problem})` : line);
      if (r.two?.allreduceNewMs !== undefined || r.four?.allreduceNewMs !== undefined)
        say(
          `  ${'  result in a new array'.padEnd(28)}${''.padStart(23)}` +
            `${num(r.two?.allreduceNewMs, 2, 17)}${num(r.four?.allreduceNewMs, 2, 17)}`,
        );
    }
  }
}

interface Ratio {
  what: string;
  ours?: number;
  theirs?: number;
  against: string;
  /** the target: at most (times) or at least (bandwidth) this ratio */
  limit: number;
  atMost: boolean;
}

function printRatio(r: Ratio): void {
  const target = `target ${r.atMost ? '≤' : '≥'} ${r.limit}×`;
  if (r.ours === undefined || r.theirs === undefined) {
    say(`  ${r.what.padEnd(44)} n/a (${target}; a figure is missing)`);
    return;
  }
  const x = r.ours / r.theirs;
  const pass = r.atMost ? x <= r.limit : x >= r.limit;
  say(
    `  ${r.what.padEnd(44)} ×${x.toFixed(2).padEnd(6)} vs ${r.against.padEnd(26)} ${target}  ${pass ? 'PASS' : 'MISS'}`,
  );
}

function printRatios(rows: Row[]): void {
  const find = (section: Row['section'], label: string) =>
    rows.find((r) => r.section === section && r.label === label);
  say('\nDrover against its targets:');
  if (!rows.some((r) => r.label === 'Drover')) {
    say("  n/a: Drover's column did not run (see above)");
    return;
  }
  for (const section of ['one node', 'two nodes'] as const) {
    const d = find(section, 'Drover');
    const floor = find(
      section,
      section === 'one node' ? 'raw Node, Unix socket' : 'raw Node, TCP .70 <-> .71',
    );
    const tcp = find(section, 'Open MPI, TCP');
    const at = `, ${section}`;
    const ratios: Ratio[] = [
      {
        what: `8 B latency${at}`,
        ours: d?.two?.latencyUs,
        theirs: floor?.two?.latencyUs,
        against: floor?.label ?? 'raw Node',
        limit: 1.25,
        atMost: true,
      },
      {
        what: `1 MiB bandwidth${at}`,
        ours: d?.two?.bandwidthMBps,
        theirs: tcp?.two?.bandwidthMBps,
        against: 'Open MPI TCP',
        limit: 0.5,
        atMost: false,
      },
      {
        what: `allreduce 1M doubles, 2 ranks${at}`,
        ours: d?.two?.allreduceMs,
        theirs: tcp?.two?.allreduceMs,
        against: 'Open MPI TCP',
        limit: 2,
        atMost: true,
      },
      {
        what: `allreduce 1M doubles, 4 ranks${at}`,
        ours: d?.four?.allreduceMs,
        theirs: tcp?.four?.allreduceMs,
        against: 'Open MPI TCP',
        limit: 2,
        atMost: true,
      },
    ];
    ratios.forEach(printRatio);
  }
}

/** Every side's allreduce must give the same last element for one rank count. */
function checkResults(rows: Row[]): void {
  for (const key of ['two', 'four'] as const) {
    const seen = rows.filter((r) => r[key]?.allreduceCheck !== undefined);
    const values = new Set(seen.map((r) => r[key]!.allreduceCheck!.toFixed(4)));
    if (values.size > 1)
      say(
        `WRONG: the ${key === 'two' ? '2' : '4'}-rank allreduces disagree: ${seen.map((r) => `${r.label} ${r[key]!.allreduceCheck}`).join(', ')}`,
      );
  }
}

say(
  `${cpus().length} cores (${cpus()[0]?.model.trim()}); every figure is the best of ${RUNS} runs of ` +
    `${SIZES.iterations} ping-pongs, ${SIZES.messages} × 1 MiB, ${SIZES.repeats} allreduces, after a warm-up (3000 untimed ping-pongs on the Node sides, for the JIT).`,
);
say(
  'Process creation is slow on this VM (~8 ms per fork+exec from Node), and start-up (processes, ' +
    'MPI_Init / init(), connections) is excluded from every timing.',
);
say(
  `"Two nodes" are ${NODES.join(' and ')} on loopback. Raw Node: a TCP connection between the two addresses. ` +
    'Open MPI: a hostfile of the two, one orted per node started by a local rsh agent (no sshd), ranks ' +
    "mapped round-robin by node, btl tcp,self on lo (its TCP uses lo's address; no shared memory " +
    'between the nodes). Drover: `drover mpiexec` outside a job, even ranks declaring node 127.0.0.70 and ' +
    'odd ranks 127.0.0.71 (DROVER_MPI_NODE/ADDRESS), so ranks 0 and 1 use TCP between the two addresses.',
);
say(
  'allreduce: every side reduces into one result array it reuses (MPI_Allreduce into its receive ' +
    "buffer; Drover's allreduce(data, op, into)); Drover's second line gives a new array per call.",
);
say('4 ranks oversubscribe the 2 cores: Open MPI then yields while it polls; Node ranks sleep in epoll.\n');
if (loadavg()[0]! > 0.5)
  say(
    `The machine is busy (load average ${loadavg()[0]!.toFixed(1)}): other processes take the cores, figures are noisy.\n`,
  );
const start = Date.now();
const rows = [...(await rawRows()), ...(await openMpiRows()), ...(await droverRows())];
say();
printTable(rows);
checkResults(rows);
printRatios(rows);
say(`\n(${((Date.now() - start) / 1000).toFixed(0)} s)`);
process.exit(0);
