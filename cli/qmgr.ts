// qmgr: the PBS admin command, for queues and the default queue (`qmgr -c "create queue q"`).
// Without -c it reads commands from stdin, one a line (`qmgr < saved.txt` replays `print server`).
import { readFileSync } from 'node:fs';
import { getopt } from '../core/pbs/getopt.js';
import { parseQmgr, type QmgrCommand } from '../core/pbs/qmgr-commands.js';
import { api } from './client.js';
import { report, runCommand } from './command.js';
import {
  formatListQueue,
  formatListServer,
  formatPrintQueue,
  formatPrintServer,
} from './format/qmgr-output.js';
import { queueAction, serverAndQueues } from './queue-command.js';

const USAGE = 'usage: qmgr [-c command] [server]';

async function show(c: Extract<QmgrCommand, { verb: 'list' | 'print' }>): Promise<number> {
  const { server, queues } = await serverAndQueues();
  if (c.object === 'server') {
    process.stdout.write(c.verb === 'print' ? formatPrintServer(server, queues) : formatListServer(server));
    return 0;
  }
  const chosen = c.name ? queues.filter((q) => q.name === c.name) : queues;
  if (c.name && chosen.length === 0)
    return report('qmgr', { code: 'UNKNOWN_QUEUE', message: `Unknown queue ${c.name}` });
  process.stdout.write(chosen.map(c.verb === 'print' ? formatPrintQueue : formatListQueue).join(''));
  return 0;
}

async function run(c: QmgrCommand): Promise<number> {
  if (c.object === 'server' && 'changes' in c) {
    const r = await api('POST', '/v1/server/set', { changes: c.changes });
    return r.ok ? 0 : report('qmgr', r.error);
  }
  if ('changes' in c) return queueAction('qmgr', c.verb === 'create' ? 'create' : 'set', c.name, c.changes);
  if (c.verb === 'delete') return queueAction('qmgr', 'delete', c.name);
  return show(c);
}

async function main(argv: string[]): Promise<number> {
  const parsed = getopt(argv, 'c:');
  if (parsed.error !== undefined)
    return report('qmgr', { code: 'USAGE', message: parsed.error, usage: true }, USAGE);
  const given = parsed.options.filter((o) => o.letter === 'c').map((o) => o.value as string);
  const lines = given.length > 0 ? given : readFileSync(0, 'utf8').split('\n');
  let rc = 0;
  for (const line of lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))) {
    const c = parseQmgr(line);
    const code = c.ok ? await run(c.value) : report('qmgr', c.error);
    if (code !== 0) rc = code;
  }
  return rc;
}

runCommand('qmgr', main);
