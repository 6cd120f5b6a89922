// Run as the job's user by compute-agent/as-user.ts: print the checkpoint directory named on the
// command line as JSON (its files, or why it could not be read).
import { readCheckpoint } from '../platform/checkpoint-files.js';

process.stdout.write(JSON.stringify(readCheckpoint(process.argv[2] ?? '')));
