// The floor for test/mpi/latency.test.ts: an 8-byte ping-pong between two Node processes over a
// raw Unix or TCP socket. `node raw-pingpong.mjs unix|tcp ITERATIONS` prints the one-way latency.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [mode, n, where] = process.argv.slice(2);
const iterations = Number(n ?? 20000);

if (where) {
  // the echo side: reflect every 8 bytes
  const s =
    mode === 'unix' ? connect(where) : connect({ host: '127.0.0.1', port: Number(where), noDelay: true });
  let pending = 0;
  s.on('data', (d) => {
    pending += d.length;
    while (pending >= 8) {
      pending -= 8;
      s.write(Buffer.alloc(8));
    }
  });
} else {
  const dir = mkdtempSync(join(tmpdir(), 'raw-pingpong-'));
  const server = createServer({ noDelay: true }, (s) => {
    let i = 0;
    let round = 0;
    let start = process.hrtime.bigint();
    let pending = 0;
    s.on('data', (d) => {
      pending += d.length;
      while (pending >= 8) {
        pending -= 8;
        if (++i === iterations) {
          const us = Number(process.hrtime.bigint() - start) / 1000 / iterations / 2;
          if (++round === 2) {
            console.log(`raw-${mode} ${us.toFixed(2)}`);
            child.kill();
            server.close();
            rmSync(dir, { recursive: true, force: true });
            return;
          }
          i = 0;
          start = process.hrtime.bigint();
        }
        s.write(Buffer.alloc(8));
      }
    });
    s.write(Buffer.alloc(8));
  });
  const path = join(dir, 's.sock');
  let child;
  server.listen(mode === 'unix' ? path : { host: '127.0.0.1', port: 0 }, () => {
    const arg = mode === 'unix' ? path : String(server.address().port);
    child = fork(new URL(import.meta.url).pathname, [mode, String(iterations), arg]);
  });
}
