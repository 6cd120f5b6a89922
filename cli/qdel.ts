// qdel: delete queued jobs at once, signal running ones (SIGTERM, then SIGKILL); returns at once.
// `-x` also deletes the job's history: a finished job's record goes at once, an unfinished job's
// once it has ended.
import { runCommand } from './command.js';
import { actOnJobs, jobMessage, jobOperands } from './operands.js';

const USAGE = 'usage: qdel [-W force|suppress_email=X] [-x] job_identifier...\n       qdel --version';

async function main(argv: string[]): Promise<number> {
  const line = jobOperands('qdel', argv, 'W:x', USAGE);
  if (typeof line === 'number') return line;
  const body = { operands: line.operands, ...(line.letters.has('x') ? { history: true } : {}) };
  return actOnJobs('qdel', '/v1/jobs/delete', body, (r) => {
    // PBS's qdel appends the id to every message, a finished job's too, and says the state is
    // wrong in its words alone
    if (r.id !== undefined && r.error.code === 'JOB_FINISHED') return `Job has finished ${r.id}`;
    if (r.id !== undefined && r.error.code === 'BAD_STATE') return `Request invalid for state of job ${r.id}`;
    return jobMessage(r);
  });
}

runCommand('qdel', main);
