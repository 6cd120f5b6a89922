// qdel: delete queued jobs at once, signal running ones (SIGTERM, then SIGKILL); returns at once.
import { runCommand } from './command.js';
import { actOnJobs, jobOperands } from './operands.js';

const USAGE = 'usage: qdel [-W force|suppress_email=X] [-x] job_identifier...\n       qdel --version';

async function main(argv: string[]): Promise<number> {
  const operands = jobOperands('qdel', argv, 'W:x', USAGE);
  if (typeof operands === 'number') return operands;
  return actOnJobs('qdel', '/v1/jobs/delete', { operands }, (r) => {
    // qdel echoes the id as typed for unknown jobs
    if (r.error.code === 'UNKNOWN_JOB') return `Unknown Job Id ${r.operand.trim()}`;
    if (r.error.code === 'JOB_FINISHED') return `Job has finished ${r.id}`;
    if (r.error.code === 'BAD_STATE') return `Request invalid for state of job ${r.id}`;
    return `${r.error.message} ${r.id ?? r.operand}`;
  });
}

runCommand('qdel', main);
