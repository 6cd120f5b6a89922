// qorder ID1 ID2: two waiting jobs swap their places in the order the scheduler considers the
// jobs of their priority (and their queues, when they are in two).
import { parseJobId, sameServer } from '../core/pbs/jobid.js';
import { VERSION } from '../platform/version.js';
import { api } from './client.js';
import { codeExit, printError, report, runCommand } from './command.js';

const USAGE = 'usage: qorder job_identifier job_identifier\n       qorder --version';

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`pbs_version = ${VERSION}\n`);
    return 0;
  }
  if (argv.length !== 2) {
    process.stderr.write(`${USAGE}\n`);
    return codeExit('USAGE');
  }
  const servers: string[] = [];
  for (const operand of argv) {
    const ref = parseJobId(operand, '');
    if (!ref.ok) return report('qorder', ref.error);
    if (ref.value.server !== '') servers.push(ref.value.server);
  }
  if (servers.length === 2 && !sameServer(servers[0]!, servers[1]!)) {
    printError('qorder', 'both jobs ids must specify the same server');
    return codeExit('FAILED');
  }
  const reply = await api<object>('POST', '/v1/jobs/order', { operands: argv });
  return reply.ok ? 0 : report('qorder', reply.error);
}

runCommand('qorder', main);
