// `drover call`: durable sessions at a broker (cli/call-command.ts does the work).
import type { Argv } from 'yargs';

const BROKER_HELP = 'the broker, http://HOST:PORT (default $DROVER_BROKER, else http://127.0.0.1:8700)';

export function callCommands(y: Argv): Argv {
  return y.command(
    'call [name]',
    "send a batch of calls to a service through its broker (a durable session), or collect the session's responses",
    (z) =>
      z
        .positional('name', { type: 'string', describe: 'the service' })
        .option('batch', {
          type: 'string',
          describe:
            'JSONL file (- for stdin), a line per call: {"id", "method"?, "path", "headers"?, "body"?}',
        })
        .option('collect', { type: 'string', describe: "print a session's responses as JSON lines" })
        .option('wait', {
          type: 'boolean',
          default: false,
          describe: 'with --collect: until every call is done',
        })
        .option('delete', { type: 'string', describe: 'forget a session and its responses' })
        .option('broker', { type: 'string', describe: BROKER_HELP })
        .example('drover call score --batch calls.jsonl', 'prints the session id')
        .example('drover call --collect SESSION --wait > answers.jsonl', 'every response, once all are done')
        .check((a) => {
          const modes = [a.batch !== undefined, a.collect !== undefined, a.delete !== undefined].filter(
            Boolean,
          );
          if (modes.length !== 1)
            throw new Error('give one of NAME --batch FILE, --collect ID or --delete ID');
          if (a.batch !== undefined && !a.name)
            throw new Error('--batch needs the service: drover call NAME --batch FILE');
          if (a.batch === undefined && a.name) throw new Error('a service name goes with --batch FILE');
          return true;
        }),
    async (a) => {
      const call = await import('./call-command.js');
      if (a.batch !== undefined) process.exit(await call.callBatch(a.name!, a.batch, a.broker));
      if (a.collect !== undefined) process.exit(await call.callCollect(a.collect, a.broker, a.wait));
      process.exit(await call.callDelete(a.delete!, a.broker));
    },
  );
}
