#!/usr/bin/env node
// `drover`: the admin command: the daemons (head, agent, broker), nodes, queues, and `checkpoint`
// inside a job. The commands are defined in drover-daemon-commands.ts, drover-broker-commands.ts,
// drover-node-commands.ts and drover-queue-commands.ts.
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { brokerCommands, brokerRunWanted } from './drover-broker-commands.js';
import { daemonCommands } from './drover-daemon-commands.js';
import { nodeCommands } from './drover-node-commands.js';
import { queueCommands } from './drover-queue-commands.js';

const args = hideBin(process.argv);
// `drover broker --listen …` runs a broker; any other `drover broker …` is left to a `broker`
// command registered after this one (the later of two registrations wins)
const runsBroker = brokerRunWanted(args);
const first = (y: Argv) => (runsBroker ? y : brokerCommands(y));
const last = (y: Argv) => (runsBroker ? brokerCommands(y) : y);
const drover = last(queueCommands(nodeCommands(daemonCommands(first(yargs(args).scriptName('drover'))))));

await drover
  .command(
    'checkpoint',
    'inside a checkpointable job: ship PBS_CHECKPOINT_DIR to the head now; returns once it is safe',
    {},
    async () => {
      const { checkpointNow } = await import('./checkpoint-command.js');
      process.exit(await checkpointNow());
    },
  )
  .demandCommand(1, 'drover: name a command: head, agent, broker, node, queue or checkpoint')
  .strict()
  .fail((msg, err) => {
    process.stderr.write(`drover: ${err?.message ?? msg}\n`);
    process.exit(2);
  })
  .help()
  .parseAsync();
