// pbs_rsub: ask for an advance reservation; prints `R12.server UNCONFIRMED` as PBS does (with -I,
// the decision: `R12.server CONFIRMED` or `R12.server DENIED`, and then why on stderr).
import { parseRsub, RSUB_USAGE } from '../core/pbs/rsub-command-line.js';
import { VERSION } from '../platform/version.js';
import { api } from './client.js';
import { printError, report, runCommand } from './command.js';

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`pbs_version = ${VERSION}\n`);
    return 0;
  }
  if (argv.length === 0) {
    process.stderr.write(`${RSUB_USAGE}\n`);
    return 2;
  }
  const request = parseRsub(argv, Math.floor(Date.now() / 1000));
  if (!request.ok) return report('pbs_rsub', request.error, RSUB_USAGE);
  const reply = await api<{ answer: string; reason?: string }>('POST', '/v1/reservations', {
    request: request.value,
  });
  if (!reply.ok) return report('pbs_rsub', reply.error);
  process.stdout.write(`${reply.body.answer}\n`);
  if (reply.body.reason) printError('pbs_rsub', reply.body.reason);
  return 0;
}

runCommand('pbs_rsub', main);
