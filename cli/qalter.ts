// qalter: change attributes of queued jobs (every option of the usage below).
import { parseQalterCommandLine, QALTER_USAGE } from '../core/pbs/qalter-command-line.js';
import { report, runCommand } from './command.js';
import { actOnJobs } from './operands.js';

async function main(argv: string[]): Promise<number> {
  const parsed = parseQalterCommandLine(argv, { cwd: process.cwd(), now: Math.floor(Date.now() / 1000) });
  if (!parsed.ok) return report('qalter', parsed.error, QALTER_USAGE);
  const { alteration, operands } = parsed.value;
  return actOnJobs('qalter', '/v1/jobs/alter', { operands, alteration });
}

runCommand('qalter', main);
