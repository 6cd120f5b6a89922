// qrerun: requeue running jobs: each is killed (SIGTERM, then SIGKILL) and goes back to Q.
import { getopt } from '../core/getopt.js';
import { report, runCommand, whoami } from './command.js';
import { actOnJobs } from './operands.js';

const USAGE = 'usage: qrerun [-W force] job_identifier...\n       qrerun --version';

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write('pbs_version = 0.1.0\n');
    return 0;
  }
  const parsed = getopt(argv, 'W:');
  if (parsed.error !== undefined)
    return report('qrerun', { code: 'USAGE', message: parsed.error, usage: true }, USAGE);
  const operands = parsed.operands.filter((o) => o.trim() !== '');
  if (operands.length === 0)
    return report('qrerun', { code: 'USAGE', message: 'job identifier required', usage: true }, USAGE);
  return actOnJobs('qrerun', '/v1/jobs/rerun', { operands, by: whoami().by }, (r) => {
    if (r.error.code === 'UNKNOWN_JOB') return `Unknown Job Id ${r.id ?? r.operand}`;
    return `${r.error.message} ${r.id ?? r.operand}`;
  });
}

runCommand('qrerun', main);
