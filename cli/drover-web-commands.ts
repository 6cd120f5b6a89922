// `drover web login` (a one-time URL that logs the calling user into the web view) and the web
// flags of `drover head` (--web-listen, --web, --web-url).
import type { Argv } from 'yargs';
import { bodyOf } from './api-errors.js';
import { api } from './client.js';
import { runCommand } from './command.js';

export function webHeadOptions<T>(y: Argv<T>) {
  return y
    .option('web-listen', {
      type: 'string',
      describe: 'serve the web view (and GET /metrics) on HOST:PORT',
    })
    .option('web', {
      type: 'boolean',
      default: false,
      describe: 'serve the web view on the --listen address too',
    })
    .option('web-url', {
      type: 'string',
      describe: 'the URL browsers reach the web view at, for login links (default http://HOST:PORT)',
    });
}

/** `drover web login`. */
export function webCommands(y: Argv): Argv {
  return y.command('web', 'the web view: login', (y) =>
    y
      .command('login', 'print a one-time URL (valid two minutes) that opens the web view as you', {}, () => {
        runCommand('drover', async () => {
          const r = bodyOf(await api<{ url: string; expires: number }>('POST', '/v1/web/login-token', {}));
          process.stdout.write(`${r.url}\n`);
          return 0;
        });
      })
      .demandCommand(1, 'drover web: name login'),
  );
}
