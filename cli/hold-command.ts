// qhold and qrls share their shape: `-h types` and job ids.

import { getopt } from '../core/pbs/getopt.js';
import { VERSION } from '../platform/version.js';
import { report } from './command.js';
import { actOnJobs } from './operands.js';

export async function holdCommand(cmd: 'qhold' | 'qrls', argv: string[]): Promise<number> {
  const usage = `usage: ${cmd} [-h hold_list] job_identifier...\n       ${cmd} --version`;
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`pbs_version = ${VERSION}\n`);
    return 0;
  }
  const parsed = getopt(argv, 'h:');
  if (parsed.error !== undefined)
    return report(cmd, { code: 'USAGE', message: parsed.error, usage: true }, usage);
  const types = parsed.options.findLast((o) => o.letter === 'h')?.value ?? 'u';
  if (!/^[uosp]+$/.test(types) && types !== 'n') {
    return report(cmd, { code: 'USAGE', message: 'illegal -h value', usage: true }, usage);
  }
  const operands = parsed.operands.filter((o) => o.trim() !== '');
  if (operands.length === 0)
    return report(cmd, { code: 'USAGE', message: 'job identifier required', usage: true }, usage);
  if (types === 'n') return 0;
  const path = cmd === 'qhold' ? '/v1/jobs/hold' : '/v1/jobs/release';
  return actOnJobs(cmd, path, { operands, types });
}
