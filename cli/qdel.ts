// qdel: delete queued jobs at once, signal running ones (SIGTERM, then SIGKILL); returns at once.
import { getopt } from '../core/getopt.js';
import { report, runCommand, whoami } from './command.js';
import { actOnJobs } from './operands.js';

const USAGE = 'usage: qdel [-W force|suppress_email=X] [-x] job_identifier...\n       qdel --version';

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write('pbs_version = 0.1.0\n');
    return 0;
  }
  const parsed = getopt(argv, 'W:x');
  if (parsed.error !== undefined)
    return report('qdel', { code: 'USAGE', message: parsed.error, usage: true }, USAGE);
  const operands = parsed.operands.filter((o) => o.trim() !== '');
  if (operands.length === 0)
    return report('qdel', { code: 'USAGE', message: 'job identifier required', usage: true }, USAGE);
  return actOnJobs('qdel', '/v1/jobs/delete', { operands, by: whoami().by }, (r) => {
    // qdel echoes the id as typed for unknown jobs (pbs-spec.md §8)
    if (r.error.code === 'UNKNOWN_JOB') return `Unknown Job Id ${r.operand.trim()}`;
    if (r.error.code === 'JOB_FINISHED') return `Job has finished ${r.id}`;
    if (r.error.code === 'BAD_STATE') return `Request invalid for state of job ${r.id}`;
    return `${r.error.message} ${r.id ?? r.operand}`;
  });
}

runCommand('qdel', main);
