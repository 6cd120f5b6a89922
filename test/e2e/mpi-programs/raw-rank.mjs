// A rank for drover mpiexec's tests that speaks the wire-up protocol itself
// (core/protocol/mpi-wireup.ts) to send what the library never does: it prints the launcher's
// answer (`error …`, `closed`, `welcome`) to a connection whose first line is not JSON, one with
// the wrong key, one for a rank out of range, and, after its own hello, to lines that are not
// JSON, of an unknown type, with bad fields, and a second hello; then it fences and finalizes.
import { connect } from 'node:net';

const env = process.env;
const rank = Number(env.DROVER_MPI_RANK);
const wire = env.DROVER_MPI_WIREUP ?? '';
const tcp = /^tcp:(.+):(\d+)$/.exec(wire);

/** A connection to the launcher: `send` a line, `next()` the next answer or 'closed'. */
function open() {
  const sock = tcp ? connect(Number(tcp[2]), tcp[1]) : connect(wire.slice('unix:'.length));
  const got = [];
  const waiting = [];
  const deliver = (m) => (waiting.length > 0 ? waiting.shift()(m) : got.push(m));
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      deliver(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
  sock.on('error', () => {});
  sock.on('close', () => deliver('closed'));
  return {
    sock,
    send: (line) => sock.write(`${line}\n`),
    next: () => (got.length > 0 ? Promise.resolve(got.shift()) : new Promise((r) => waiting.push(r))),
  };
}

const show = (what, m) =>
  console.log(
    `${what}: ${typeof m === 'string' ? m : `${m.t}${m.id ? ` ${m.id}` : ''} ${m.message ?? ''}`.trim()}`,
  );
const hello = (key, r = rank) =>
  JSON.stringify({ t: 'hello', key, universe: env.DROVER_MPI_UNIVERSE, rank: r });

for (const [what, first] of [
  ['not json first', '{nonsense'],
  ['wrong key', hello('not-the-key')],
  ['out of range', hello(env.DROVER_MPI_KEY, 99)],
]) {
  const c = open();
  c.send(first);
  show(what, await c.next());
  show(`${what} then`, await c.next());
}

const me = open();
me.send(hello(env.DROVER_MPI_KEY));
show('hello', await me.next());
for (const [what, line] of [
  ['not json', '[1, 2'],
  ['unknown type', '{"t":"launch","id":4}'],
  ['bad fields', '{"t":"spawn","id":5,"n":0,"argv":[]}'],
  ['second hello', hello(env.DROVER_MPI_KEY)],
]) {
  me.send(line);
  show(what, await me.next());
}
me.send('{"t":"fence","id":6}');
show('fence', await me.next());
me.send('{"t":"finalize"}');
me.sock.end();
