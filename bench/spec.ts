// The JobSpec of a trivial benchmark job (`qsub -- /bin/true`), built by core's qsub parser.
import { hostname, userInfo } from 'node:os';
import type { JobSpec } from '../core/job-spec-types.js';
import { buildJobSpec } from '../core/pbs/job-spec.js';
import { parseQsubCommandLine } from '../core/pbs/qsub-command-line.js';

export function makeBenchSpec(cwd: string): JobSpec {
  const argv = ['-o', '/dev/null', '-e', '/dev/null', '--', '/bin/true'];
  const cmdline = parseQsubCommandLine(argv);
  if (!cmdline.ok) throw new Error(cmdline.error.message);
  const spec = buildJobSpec({
    cmdline: cmdline.value,
    scriptName: 'STDIN',
    env: { HOME: process.env.HOME, PATH: process.env.PATH },
    cwd,
    host: hostname(),
    user: userInfo().username,
    now: Math.floor(Date.now() / 1000),
    argv,
  });
  if (!spec.ok) throw new Error(spec.error.message);
  return spec.value;
}
