#!/usr/bin/env node
// `drover`: the admin command: the daemons (head, agent, broker), nodes, queues, services,
// `checkpoint` inside a job, `call` (durable sessions at a broker) and `witness` (the third voter
// of a pair of heads). The commands are defined in drover-daemon-commands.ts,
// drover-broker-commands.ts, drover-node-commands.ts, drover-queue-commands.ts,
// drover-service-commands.ts, drover-call-commands.ts, drover-mpi-commands.ts (`mpiexec`),
// drover-web-commands.ts (`web login`) and drover-witness-commands.ts.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { brokerCommands } from './drover-broker-commands.js';
import { callCommands } from './drover-call-commands.js';
import { daemonCommands } from './drover-daemon-commands.js';
import { haCommands } from './drover-ha-commands.js';
import { mpiCommands } from './drover-mpi-commands.js';
import { nodeCommands } from './drover-node-commands.js';
import { queueCommands } from './drover-queue-commands.js';
import { serviceCommands } from './drover-service-commands.js';
import { webCommands } from './drover-web-commands.js';
import { witnessCommands } from './drover-witness-commands.js';

const drover = mpiCommands(
  callCommands(
    brokerCommands(
      serviceCommands(
        queueCommands(
          nodeCommands(
            webCommands(haCommands(daemonCommands(yargs(hideBin(process.argv)).scriptName('drover')))),
          ),
        ),
      ),
    ),
  ),
);

await witnessCommands(drover)
  .command(
    'checkpoint',
    'inside a checkpointable job: ship PBS_CHECKPOINT_DIR to the head now; returns once it is safe',
    {},
    async () => {
      const { checkpointNow } = await import('./checkpoint-command.js');
      process.exit(await checkpointNow());
    },
  )
  .demandCommand(
    1,
    'drover: name a command: head, agent, node, queue, service, broker, call, checkpoint, mpiexec, witness, ha or web',
  )
  .strict()
  .fail((msg, err) => {
    process.stderr.write(`drover: ${err?.message ?? msg}\n`);
    process.exit(2);
  })
  .help()
  .parseAsync();
