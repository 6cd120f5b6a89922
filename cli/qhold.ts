// qhold: add holds (default `u`) to jobs.
import { runCommand } from './command.js';
import { holdCommand } from './hold-command.js';

runCommand('qhold', (argv) => holdCommand('qhold', argv));
