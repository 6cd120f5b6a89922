// What one job process costs this machine before Drover does anything: CPU of fork+exec+exit of
// /bin/true from a Node process (the parent's and the child's share), read from /proc/self/stat.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

function cpuTicks(): { self: number; children: number } {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return { self: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
}

/** Milliseconds of CPU per spawned /bin/true, in the parent and in the child. */
export async function spawnCost(n = 200): Promise<{ parentMs: number; childMs: number }> {
  const t0 = cpuTicks();
  for (let i = 0; i < n; i++) {
    await new Promise((resolve) =>
      spawn('/bin/true', [], { stdio: 'ignore', detached: true }).on('exit', resolve),
    );
  }
  const t1 = cpuTicks();
  return { parentMs: ((t1.self - t0.self) * 10) / n, childMs: ((t1.children - t0.children) * 10) / n };
}
