// qrls: remove holds (default `u`) from jobs.
import { runCommand } from './command.js';
import { holdCommand } from './hold-command.js';

runCommand('qrls', (argv) => holdCommand('qrls', argv));
