// What authentication costs a command: the whole-process time of qsub and qstat run by an
// ordinary user (not root), beside `node -e 0`, against a root head over its Unix socket (the
// kernel names the caller: no work in the command), over TCP with a MUNGE credential (one round
// trip to the local munged per request), and over TCP to a user's own head with --auth none (no
// authentication at all). Not a timed test: it prints figures. As root, with Debian's munge:
//   node dist/bench/auth.js [--runs 25]
// Each figure is a fork+exec of Node from this process (about 8 ms of CPU on the development VM),
// the same for every row, so the ratios to `node -e 0` compare like with like.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BIN, freePort, TestHead } from '../test/helpers/head.js';
import { TestMunged } from '../test/helpers/munged.js';
import { ALICE, account, ensureUsers, ownHead } from '../test/helpers/users.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '25' } } });
const RUNS = Number(values.runs);

/** Milliseconds from spawn to exit of `argv` run as alice; throws unless it exits 0. */
function timed(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const a = account(ALICE);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      uid: a.uid,
      gid: a.gid,
      env,
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(performance.now() - t0)
        : reject(new Error(`${argv.join(' ')} exited ${code}: ${err}`)),
    );
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;

ensureUsers();
const alice = account(ALICE);
const work = mkdtempSync(join(tmpdir(), 'drover-bench-auth-'));
chmodSync(work, 0o711);
const cwd = join(work, 'alice');
mkdirSync(cwd);
chownSync(cwd, alice.uid, alice.gid);

const munged = await TestMunged.start();
const port = await freePort();
// held jobs (qsub -h): the local node only makes them acceptable; none runs
const head = new TestHead({
  ncpus: 1,
  extraArgs: ['--listen', `127.0.0.1:${port}`, '--munge-socket', munged.socket],
});
chmodSync(head.home, 0o711);
await head.start();
// the user's own head: TCP with --auth none, nothing to prove
const ownPort = await freePort();
const own = await ownHead(ALICE, join(work, 'own'), ['--listen', `127.0.0.1:${ownPort}`, '--auth', 'none']);

const base = { PATH: `${BIN}:/usr/bin:/bin`, LANG: 'C.UTF-8', HOME: alice.home, PWD: cwd };
const transports: [string, NodeJS.ProcessEnv][] = [
  ['Unix socket (kernel peer credentials)', { ...base, DROVER_HOME: head.stateDir }],
  [
    'TCP with MUNGE',
    { ...base, DROVER_SERVER: `http://127.0.0.1:${port}`, DROVER_MUNGE_SOCKET: munged.socket },
  ],
  [
    'TCP, --auth none (unauthenticated)',
    { ...base, DROVER_SERVER: `http://127.0.0.1:${ownPort}`, DROVER_AUTH: 'none' },
  ],
];
const commands: [string, string[]][] = [
  ['qstat', [join(BIN, 'qstat')]],
  ['qsub', [join(BIN, 'qsub'), '-h', '--', '/bin/true']],
];

try {
  const rows: [string, number[]][] = [['node -e 0', []]];
  for (const [t] of transports) for (const [c] of commands) rows.push([`${c}, ${t}`, []]);
  for (let i = 0; i < RUNS; i++) {
    rows[0]![1].push(await timed([process.execPath, '-e', '0'], base, cwd));
    let r = 1;
    for (const [, env] of transports)
      for (const [, argv] of commands) rows[r++]![1].push(await timed(argv, env, cwd));
  }
  const baseline = median(rows[0]![1]);
  console.log(`whole-process time as ${ALICE} (not root), median and p90 of ${RUNS} runs:`);
  for (const [name, ms] of rows) {
    const ratio = median(ms) / baseline;
    console.log(
      `  ${name.padEnd(56)} ${median(ms).toFixed(0).padStart(4)} ms  p90 ${p90(ms).toFixed(0).padStart(4)} ms  ${ratio.toFixed(2)}×`,
    );
  }
  console.log(
    '(each run is a fork+exec of Node from the benchmark: ~8 ms of CPU here, the same for every row)',
  );
} finally {
  await own.stop();
  await head.stop();
  await munged.stop();
  rmSync(work, { recursive: true, force: true });
}
