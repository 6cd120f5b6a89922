// qrerun: requeue running jobs: each is killed (SIGTERM, then SIGKILL) and goes back to Q.
import { runCommand } from './command.js';
import { actOnJobs, jobOperands } from './operands.js';

const USAGE = 'usage: qrerun [-W force] job_identifier...\n       qrerun --version';

async function main(argv: string[]): Promise<number> {
  const operands = jobOperands('qrerun', argv, 'W:', USAGE);
  if (typeof operands === 'number') return operands;
  return actOnJobs('qrerun', '/v1/jobs/rerun', { operands }, (r) => {
    if (r.error.code === 'UNKNOWN_JOB') return `Unknown Job Id ${r.id ?? r.operand}`;
    return `${r.error.message} ${r.id ?? r.operand}`;
  });
}

runCommand('qrerun', main);
