// Drover's own commands in every job, as PBS has its commands on every node: the agent keeps
// `bin/` in its state directory, one small sh script per command of its installation's bin/
// (pbsdsh, drover, qsub, …) that runs it with the agent's own node. Jobs get that directory first
// on their PATH (compute-agent/job-env.ts): no global install and no `node` on the job's PATH are
// needed, and nothing else on the PATH is shadowed (not the user's own node either). The job's
// user must be able to read the installation, as with any shared install.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from '../core/shell-words.js';

/** Where the agent of `stateDir` keeps the commands jobs find on their PATH (absolute). */
export function commandDir(stateDir: string): string {
  return resolve(stateDir, 'bin');
}

/** This installation's bin/ (the package's commands), found from this module. */
function installedBin(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'bin', 'drover'))) {
    if (dirname(dir) === dir) return undefined;
    dir = dirname(dir);
  }
  return join(dir, 'bin');
}

/** The sh script that runs `command` with this agent's node. */
export function commandShim(nodeJs: string, command: string): string {
  return `#!/bin/sh\nexec ${shellQuote(nodeJs)} ${shellQuote(command)} "$@"\n`;
}

/** Write the commands afresh (at every agent start); returns why not, when it cannot. */
export function installCommands(stateDir: string, nodeJs = process.execPath): string | undefined {
  const bin = installedBin();
  if (!bin) return 'no bin/ directory in this installation: jobs get no Drover commands on PATH';
  const dir = commandDir(stateDir);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755);
    const names = readdirSync(bin).filter(
      (n) => /^[a-z][a-z0-9-]*$/.test(n) && (statSync(join(bin, n)).mode & 0o111) !== 0,
    );
    for (const name of names) {
      // replaced whole, so that a job starting a command meanwhile reads the old or the new one
      const next = join(dir, `.${name}.new`);
      writeFileSync(next, commandShim(nodeJs, join(bin, name)));
      chmodSync(next, 0o755);
      renameSync(next, join(dir, name));
    }
    for (const old of readdirSync(dir).filter((n) => !names.includes(n)))
      rmSync(join(dir, old), { force: true });
  } catch (e) {
    return `cannot write the job commands in ${dir}: ${(e as Error).message}`;
  }
  return undefined;
}
