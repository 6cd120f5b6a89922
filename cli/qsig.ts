// qsig: send a signal to running jobs (default SIGTERM), or suspend and resume them
// (`-s suspend`, `-s resume`: operators and managers). The head parses the signal.

import { getopt } from '../core/pbs/getopt.js';
import { DEFAULT_QSIG_SIGNAL } from '../core/pbs/signal-names.js';
import { VERSION } from '../platform/version.js';
import { report, runCommand } from './command.js';
import { actOnJobs } from './operands.js';

const USAGE = 'usage: qsig [-s signal] job_identifier...\n       qsig --version';
/** PBS's qsig keeps this much of `-s` */
const MAX_SIGNAL_LENGTH = 32;

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`pbs_version = ${VERSION}\n`);
    return 0;
  }
  const parsed = getopt(argv, 's:');
  const operands = parsed.operands.filter((o) => o.trim() !== '');
  if (parsed.error !== undefined || operands.length === 0) {
    const message = parsed.error ?? 'job identifier required';
    return report('qsig', { code: 'USAGE', message, usage: true }, USAGE);
  }
  const given = parsed.options.findLast((o) => o.letter === 's')?.value ?? DEFAULT_QSIG_SIGNAL;
  const signal = given.slice(0, MAX_SIGNAL_LENGTH);
  return actOnJobs('qsig', '/v1/jobs/signal', { operands, signal });
}

runCommand('qsig', main);
