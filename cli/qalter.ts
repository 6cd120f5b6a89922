// qalter: change attributes of queued jobs (-N -l -p -h -a; other letters are refused clearly).
import { parseQalterCommandLine, QALTER_USAGE } from '../core/qsub.js';
import { report, runCommand, whoami } from './command.js';
import { actOnJobs } from './operands.js';

const SUPPORTED = new Set(['name', 'priority', 'hold', 'executionTime', 'resourceEntries']);

async function main(argv: string[]): Promise<number> {
  const parsed = parseQalterCommandLine(argv, { cwd: process.cwd(), now: Math.floor(Date.now() / 1000) });
  if (!parsed.ok) return report('qalter', parsed.error, QALTER_USAGE);
  const { alteration, operands } = parsed.value;
  const unsupported = Object.keys(alteration).filter((k) => !SUPPORTED.has(k));
  if (unsupported.length > 0) {
    return report('qalter', {
      code: 'NOT_SUPPORTED',
      message: `changing ${unsupported.join(', ')} is not supported yet (use -N -l -p -h -a)`,
    });
  }
  return actOnJobs(
    'qalter',
    '/v1/jobs/alter',
    { operands, alteration, by: whoami().by },
    (r) => `${r.error.message} ${r.id ?? r.operand}`,
  );
}

runCommand('qalter', main);
