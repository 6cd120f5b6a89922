// Long-vector reductions across real rank processes and sockets (test/mpi/programs/coll-wire.mjs,
// started by drover mpiexec outside a job): the received segments land straight in the result,
// the caller's data is only read, and every rank ends with the same bits, on 2, 3 (a folded rank)
// and 4 ranks (those over TCP, as two nodes). Needs `npm run build`.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MpiexecRuns } from '../helpers/mpiexec-runs.js';

const work = mkdtempSync(join(tmpdir(), 'drover-mpi-coll-'));
const PROGRAM = join(work, 'coll-wire.mjs');
copyFileSync(join(import.meta.dirname, 'programs', 'coll-wire.mjs'), PROGRAM);
const runs = new MpiexecRuns(work);

afterAll(async () => {
  await runs.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('long-vector allreduce and reduce over the sockets', () => {
  for (const n of [2, 3, 4]) {
    it(`on ${n} ranks`, async () => {
      const env = n === 4 ? { DROVER_TEST_NODES: '2' } : {};
      const r = await runs.start(['-n', String(n), 'node', PROGRAM], env).done;
      expect(`${r.out}${r.err}`).not.toMatch(/failed/);
      expect(r.out.match(/^ok \d+$/gm)?.length).toBe(n);
      expect(r.code).toBe(0);
    }, 60_000);
  }
});
