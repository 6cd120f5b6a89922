// Bundle each PBS command into one CommonJS file: workflow managers call qstat and qsub
// thousands of times, and one file loads faster than a tree of ES modules (docs/architecture.md).
// Then the web view (web/): one JS bundle and one CSS file with hashed names in dist/web/assets/,
// and dist/web/index.html naming them (docs/web.md).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
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

rmSync('dist/web', { recursive: true, force: true });
const web = await build({
  entryPoints: { app: 'web/main.tsx' },
  bundle: true,
  platform: 'browser',
  target: ['es2022'],
  format: 'esm',
  tsconfig: 'tsconfig.web.json',
  outdir: 'dist/web/assets',
  entryNames: '[name]-[hash]',
  logLevel: 'warning',
  minify: true,
  metafile: true,
  legalComments: 'none',
});
const outputs = Object.keys(web.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => f.endsWith('.js'));
const css = outputs.find((f) => f.endsWith('.css'));
mkdirSync('dist/web', { recursive: true });
writeFileSync(
  'dist/web/index.html',
  readFileSync('web/index.html', 'utf8').replace('%APP_JS%', `/web/assets/${js}`).replace('%APP_CSS%', `/web/assets/${css}`),
);
