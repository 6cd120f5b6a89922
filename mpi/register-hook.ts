// Preloaded by the launcher (NODE_OPTIONS=--import=<this file's URL>): registers the resolve hook
// of mpi/resolve-hook.ts, so a program anywhere on disk can `import … from 'drover/mpi'` and get
// this install's library with nothing installed beside it. Needs node:module register (Node ≥ 20.6).
import { register } from 'node:module';

register('./resolve-hook.js', import.meta.url);
