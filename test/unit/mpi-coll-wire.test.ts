// Long-vector reductions across real rank processes and sockets (test/unit/programs/coll-wire.mjs):
// the received segments land straight in the result, the caller's data is only read, and every
// rank ends with the same bits, on 2, 3 (a folded rank) and 4 ranks. Needs `npm run build`.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WireupServer } from '../helpers/wireup-server.js';

const PROGRAM = join(import.meta.dirname, 'programs', 'coll-wire.mjs');
const servers: WireupServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('long-vector allreduce and reduce over the sockets', () => {
  for (const n of [2, 3, 4]) {
    it(`on ${n} ranks`, async () => {
      const server = await WireupServer.start();
      servers.push(server);
      server.launch(n, [PROGRAM], n === 4 ? { node: (r) => `node${r % 2}` } : {});
      const exits = await server.allExited();
      const out = server.ranks.map((r) => r.stdout + r.stderr).join('');
      expect(out).not.toMatch(/failed/);
      expect(out.match(/^ok \d+$/gm)?.length).toBe(n);
      expect(exits.map((e) => e.code)).toEqual(exits.map(() => 0));
    }, 60_000);
  }
});
