// A rank for drover mpiexec's end-to-end tests that speaks the wire-up protocol itself
// (core/protocol/mpi-wireup.ts): hello, put its node and address, fence, print what it learnt,
// then act as its first argument says: ok (finalize, exit 0), die R (rank R kills itself),
// abort R CODE, hang FILE (append its pid to FILE and wait), spawn (rank 0 spawns 2 children),
// group (every rank joins a named group and rank 0 prints its members).
import { readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';

const env = process.env;
const [mode = 'ok', arg1 = '', arg2 = ''] = process.argv.slice(2);
const rank = Number(env.DROVER_MPI_RANK);
const size = Number(env.DROVER_MPI_SIZE);
const wire = env.DROVER_MPI_WIREUP ?? '';
const tcp = /^tcp:(.+):(\d+)$/.exec(wire);
const sock = tcp ? connect(Number(tcp[2]), tcp[1]) : connect(wire.slice('unix:'.length));
const send = (m) => sock.write(`${JSON.stringify(m)}\n`);
const answers = new Map();
let next = 1;
const ask = (m) =>
  new Promise((resolve) => {
    const id = next++;
    answers.set(id, resolve);
    send({ ...m, id });
  });
let welcome;
const welcomed = new Promise((r) => {
  welcome = r;
});
let buf = '';
sock.setEncoding('utf8');
sock.on('data', (d) => {
  buf += d;
  for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
    const m = JSON.parse(buf.slice(0, i));
    buf = buf.slice(i + 1);
    if (m.t === 'welcome') welcome(m);
    else if (m.t === 'peer-lost') console.log(`rank ${rank}: peer-lost rank ${m.rank}: ${m.reason}`);
    else if (m.t === 'abort') console.log(`rank ${rank}: abort ${m.code}`);
    else if (m.id !== undefined && answers.has(m.id)) answers.get(m.id)(m);
  }
});
sock.on('error', () => {});
// as a real rank must: without its wire-up connection (the launcher is gone) it ends
let finalized = false;
sock.on('close', () => {
  if (!finalized) process.exit(3);
});

const parentArgv = readFileSync(`/proc/${process.ppid}/cmdline`, 'utf8');
send({ t: 'hello', key: env.DROVER_MPI_KEY, universe: env.DROVER_MPI_UNIVERSE, rank });
const w = await welcomed;
send({ t: 'put', key: `node-${rank}`, value: `${env.DROVER_MPI_NODE} ${env.DROVER_MPI_ADDRESS}` });
const fenced = await ask({ t: 'fence' });
const dirMode = (statSync(env.DROVER_MPI_DIR).mode & 0o777).toString(8);
const who = env.DROVER_MPI_PARENT ? 'child' : 'rank';
console.log(
  `${who} ${rank}/${w.size}=${size} node=${env.DROVER_MPI_NODE} address=${env.DROVER_MPI_ADDRESS} local=${env.DROVER_MPI_LOCAL_RANK} dir=${dirMode} keyInParentArgv=${parentArgv.includes(env.DROVER_MPI_KEY)}`,
);
if (rank === 0 && !env.DROVER_MPI_PARENT)
  console.log(
    `store ${Object.keys(fenced.store)
      .sort()
      .map((k) => `${k}=${fenced.store[k]}`)
      .join(',')}`,
  );
const forever = () => setInterval(() => {}, 1 << 30);

if (mode === 'die' && rank === Number(arg1)) process.kill(process.pid, 'SIGKILL');
else if (mode === 'abort' && rank === Number(arg1))
  send({ t: 'abort', code: Number(arg2), message: 'on purpose' });
else if (mode === 'hang') {
  const { appendFileSync } = await import('node:fs');
  appendFileSync(arg1, `${process.pid}\n`);
  forever();
} else if (mode === 'spawn' && rank === 0 && !env.DROVER_MPI_PARENT) {
  const s = await ask({ t: 'spawn', n: 2, argv: [process.execPath, process.argv[1], 'ok'] });
  const v = await ask({ t: 'get', key: 'node-1', universe: s.universe });
  console.log(`spawned ${s.size} child node-1=${v.value}`);
}
if (mode === 'group') {
  await ask({ t: 'group', op: 'join', name: 'g' });
  await ask({ t: 'fence' });
  if (rank === 0)
    console.log(
      `members ${(await ask({ t: 'group', op: 'members', name: 'g' })).members.map((m) => m.rank).join(',')}`,
    );
  await ask({ t: 'fence' });
}
if (mode === 'die' || mode === 'abort') forever();
else if (mode !== 'hang') {
  finalized = true;
  send({ t: 'finalize' });
  sock.end();
  if (mode === 'fail-after' && rank === 1) process.exitCode = 5;
}
