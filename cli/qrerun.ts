// qrerun: requeue running jobs: each is killed (SIGTERM, then SIGKILL) and goes back to Q.
import { runCommand } from './command.js';
import { actOnJobs, jobOperands } from './operands.js';

const USAGE = 'usage: qrerun [-W force] job_identifier...\n       qrerun --version';

async function main(argv: string[]): Promise<number> {
  const line = jobOperands('qrerun', argv, 'W:', USAGE);
  if (typeof line === 'number') return line;
  return actOnJobs('qrerun', '/v1/jobs/rerun', { operands: line.operands });
}

runCommand('qrerun', main);
