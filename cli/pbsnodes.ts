// pbsnodes: show nodes (-a, -l, names, -F json), mark them offline (-o) or clear it (-r), set their
// comment (-C, alone or with -o/-r).

import type { ErrorCode } from '../core/errors.js';
import { getopt } from '../core/pbs/getopt.js';
import type { NodeRecord, ServerRecord } from '../core/record-types.js';
import { VERSION } from '../platform/version.js';
import { api } from './client.js';
import { codeExit, printError, report, runCommand } from './command.js';
import { formatNodes, formatNodesJson, formatNodesList } from './format/pbsnodes-output.js';

const USAGE = [
  'usage:\tpbsnodes [-o|-r] [-C comment] [-s server] node...',
  '\tpbsnodes -l [-s server] [node...]',
  '\tpbsnodes -a [-v] [-F json] [-s server] [node...]',
  '\tpbsnodes --version',
].join('\n');

/** -o (offline), -r (online) or -C alone (the comment); PBS's line for each node refused. */
async function mark(
  names: string[],
  action: 'offline' | 'online' | 'comment',
  comment: string | undefined,
): Promise<number> {
  const body = comment !== undefined ? { names, comment } : { names };
  const reply = await api<{ results: { name: string; error?: { message: string; code: ErrorCode } }[] }>(
    'POST',
    `/v1/nodes/${action}`,
    body,
  );
  if (!reply.ok) return report('pbsnodes', reply.error);
  let rc = 0;
  for (const r of reply.body.results) {
    if (!r.error) continue;
    process.stderr.write(`Error marking node ${r.name} - ${r.error.message}\n`);
    rc = codeExit(r.error.code);
  }
  return rc;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`pbs_version = ${VERSION}\n`);
    return 0;
  }
  const parsed = getopt(argv, 'alorvC:F:s:SjH');
  if (parsed.error !== undefined)
    return report('pbsnodes', { code: 'USAGE', message: parsed.error, usage: true }, USAGE);
  const has = (l: string) => parsed.options.some((o) => o.letter === l);
  const comment = parsed.options.findLast((o) => o.letter === 'C')?.value;
  const format = parsed.options.findLast((o) => o.letter === 'F')?.value;
  const names = parsed.operands;
  if (format !== undefined && format !== 'json')
    return report('pbsnodes', {
      code: 'NOT_SUPPORTED',
      message: `output format "${format}" is not supported (use -F json)`,
    });
  if (has('o') || has('r') || (comment !== undefined && !has('a') && !has('l'))) {
    if (names.length === 0)
      return report('pbsnodes', { code: 'USAGE', message: 'node name required', usage: true }, USAGE);
    return mark(names, has('o') ? 'offline' : has('r') ? 'online' : 'comment', comment);
  }
  if (!has('a') && !has('l') && names.length === 0)
    return report('pbsnodes', { code: 'USAGE', message: 'give -a, -l or node names', usage: true }, USAGE);
  const reply = await api<{ server: ServerRecord; nodes: NodeRecord[] }>('GET', '/v1/nodes');
  if (!reply.ok) return report('pbsnodes', reply.error);
  const { server } = reply.body;
  let nodes = reply.body.nodes;
  let rc = 0;
  if (names.length > 0) {
    nodes = [];
    for (const name of names) {
      const node = reply.body.nodes.find((n) => n.name === name);
      if (node) nodes.push(node);
      else {
        printError('pbsnodes', `Unknown node ${name}`);
        rc = codeExit('UNKNOWN_NODE');
      }
    }
  }
  if (has('l')) process.stdout.write(formatNodesList(nodes));
  else if (format === 'json')
    process.stdout.write(
      formatNodesJson(nodes, { name: server.name, version: server.version, now: server.now }),
    );
  else process.stdout.write(formatNodes(nodes, server.now));
  return rc;
}

runCommand('pbsnodes', main);
