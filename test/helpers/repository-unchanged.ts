// vitest globalSetup: tests never write into the repository. The working tree's state (git's
// view of it, ignored files included, and the size and time of each changed file) is taken
// before the run and compared after it; a difference fails the run and names the paths.
// Outside a git checkout (a tarball) there is nothing to compare, and the check is skipped.
import { execFileSync } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
/** written by vitest's JSON reporter (and ignored by git) */
const EXPECTED = new Set(['.vitest-results.json']);

function toplevel(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** path → `XY size mtime` for every path git reports as changed, untracked or ignored. */
function snapshot(): Map<string, string> {
  const out = execFileSync(
    'git',
    ['status', '--porcelain=v1', '-z', '--ignored=matching', '--untracked-files=all'],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
  );
  const entries = new Map<string, string>();
  const fields = out.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field === '') continue;
    const code = field.slice(0, 2);
    const path = field.slice(3);
    if (code[0] === 'R' || code[0] === 'C') i++; // a rename's source follows
    if (EXPECTED.has(path)) continue;
    let stamp = 'absent';
    try {
      const st = lstatSync(join(ROOT, path));
      stamp = st.isDirectory() ? 'directory' : `${st.size} ${st.mtimeMs}`;
    } catch {}
    entries.set(path, `${code} ${stamp}`);
  }
  return entries;
}

export default function setup(): (() => void) | undefined {
  if (toplevel() !== ROOT) return undefined;
  const before = snapshot();
  return () => {
    const after = snapshot();
    const changed = [...new Set([...before.keys(), ...after.keys()])]
      .filter((p) => before.get(p) !== after.get(p))
      .sort();
    if (changed.length === 0) return;
    const lines = changed.map((p) => `  ${p}: ${before.get(p) ?? 'not there'} → ${after.get(p) ?? 'gone'}`);
    // vitest reports an error thrown here but still exits 0: the exit code is set instead
    process.stderr.write(
      `\nFAIL tests wrote into the repository (they must use temporary directories):\n${lines.join('\n')}\n`,
    );
    process.exitCode = 1;
  };
}
