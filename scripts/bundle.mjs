// Bundle each PBS command into one CommonJS file: workflow managers call qstat and qsub
// thousands of times, and one file loads faster than a tree of ES modules (docs/architecture.md).
import { build } from 'esbuild';

const commands = ['qsub', 'qstat', 'qdel', 'qhold', 'qrls', 'qalter', 'qrerun', 'pbsnodes', 'tracejob', 'pbsdsh', 'qmgr', 'render-farm'];
await build({
  entryPoints: Object.fromEntries(commands.map((c) => [c, `cli/${c}.ts`])),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outdir: 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  logLevel: 'warning',
  minify: true,
});
