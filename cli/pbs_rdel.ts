// pbs_rdel: end reservations now (their jobs are deleted); silent on success, PBS's message per
// id that fails, and the exit status of the last failure.
import { getopt } from '../core/pbs/getopt.js';
import { VERSION } from '../platform/version.js';
import { printError, runCommand } from './command.js';
import { actOnJobs } from './operands.js';

const USAGE = 'usage:\tpbs_rdel [-q dest] resv_identifier...\n      \tpbs_rdel --version\n';

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`pbs_version = ${VERSION}\n`);
    return 0;
  }
  const parsed = getopt(argv, 'q:');
  const operands = parsed.operands.filter((o) => o.trim() !== '');
  const emptyQ = parsed.options.some((o) => o.value === '');
  if (parsed.error !== undefined || operands.length === 0 || emptyQ) {
    if (parsed.error !== undefined || emptyQ) printError('pbs_rdel', parsed.error ?? 'illegal -q value');
    process.stderr.write(USAGE);
    return 2;
  }
  return actOnJobs('pbs_rdel', '/v1/reservations/delete', { operands }, (r) => `${r.error.message} ${r.id}`);
}

runCommand('pbs_rdel', main);
