// Render farm throughput: a fixed POV-Ray animation (Debian's povray-examples `ambient`, 40
// frames at 320×240, one render thread per task) on 4 SSH nodes on loopback (real sshd on
// 127.0.0.21-24, one slot each), in chunks of 1 and of 5. Prints frames per minute against the
// same frames rendered one after another by one povray here, and the dispatch overhead per task:
// on each node, the time from a task's exit to the start of the next one (not a timed test).
//   npm run build && node dist/bench/render-farm.js [--frames 40]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FarmStatus } from '../core/farm/farm-status.js';
import { Cluster, slotNodes } from '../test/helpers/cluster.js';

const { values } = parseArgs({ options: { frames: { type: 'string', default: '40' } } });
const FRAMES = Number(values.frames);
const SCENE = '/usr/share/doc/povray/examples/animations/ambient/ambient.pov';
const cluster = new Cluster({
  name: 'b',
  head: { killDelay: 1 },
  nodes: slotNodes('b', ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24']),
});
const head = cluster.head;
process.env.DROVER_HOME = head.stateDir;
const { api } = await import('./api.js');

const povray = (out: string, first: string, last: string) => [
  `+I${SCENE}`,
  '+W320',
  '+H240',
  `+KFI1`,
  `+KFF${FRAMES}`,
  `+SF${first}`,
  `+EF${last}`,
  '+KC',
  '+WT1',
  '-D',
  '-V',
  `+O${out}`,
];

type Event = { type: string; at: number; node?: string };

async function events(id: string): Promise<Event[]> {
  const r = await api<{ events: Event[] }>('POST', '/v1/jobs/trace', { operand: id });
  return r.ok ? r.body.events : [];
}

async function farmDone(id: string): Promise<FarmStatus> {
  for (;;) {
    const r = await api<FarmStatus>('GET', `/v1/farms/${encodeURIComponent(id)}`);
    if (r.ok && (r.body.state === 'done' || r.body.state === 'failed')) return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Per node, the gap between one task's exit and the next task's start there (ms). */
async function dispatchGaps(id: string, tasks: number): Promise<number[]> {
  const runs: { node: string; started: number; exited: number }[] = [];
  for (let t = 1; t <= tasks; t++) {
    const e = await events(id.replace('[]', `[${t}]`));
    const node = e.find((x) => x.type === 'run')?.node;
    const started = e.find((x) => x.type === 'started')?.at;
    const exited = e.find((x) => x.type === 'exited')?.at;
    if (node && started && exited) runs.push({ node, started, exited });
  }
  const gaps: number[] = [];
  for (const node of new Set(runs.map((r) => r.node))) {
    const mine = runs.filter((r) => r.node === node).sort((a, b) => a.started - b.started);
    for (let i = 1; i < mine.length; i++) gaps.push(mine[i]!.started - mine[i - 1]!.exited);
  }
  return gaps.sort((a, b) => a - b);
}

const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? Number.NaN;

try {
  await cluster.start();
  console.log(
    `Drover render farm benchmark: POV-Ray ambient.pov, ${FRAMES} frames 320x240, 4 SSH nodes x 1 slot`,
  );
  const t0 = Date.now();
  execFileSync('povray', povray(join(head.work, 'serial.png'), '1', String(FRAMES)), { stdio: 'ignore' });
  const serial = (Date.now() - t0) / 1000;
  console.log(
    `  one povray, frames in sequence: ${serial.toFixed(1)} s, ${((FRAMES / serial) * 60).toFixed(0)} frames/min`,
  );
  for (const chunk of [1, 5]) {
    const start = Date.now();
    const r = await head.run('render-farm', [
      'submit',
      '--name',
      `bench${chunk}`,
      '--frames',
      `1-${FRAMES}`,
      '--chunk',
      String(chunk),
      '--',
      'povray',
      ...povray(`c${chunk}.png`, '{start}', '{end}'),
    ]);
    if (r.code !== 0) throw new Error(r.stderr);
    const id = r.stdout.trim();
    const s = await farmDone(id);
    const wall = (Date.now() - start) / 1000;
    const gaps = await dispatchGaps(id, s.tasks);
    const mean = gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length);
    console.log(
      `  farm, chunk ${chunk}: ${s.state} in ${wall.toFixed(1)} s, ${((FRAMES / wall) * 60).toFixed(0)} frames/min` +
        ` (${(serial / wall).toFixed(2)}x one povray); dispatch overhead per task (exit to next start on a node):` +
        ` median ${median(gaps)} ms, mean ${mean.toFixed(0)} ms over ${gaps.length} gaps`,
    );
  }
} finally {
  await cluster.stop();
}
