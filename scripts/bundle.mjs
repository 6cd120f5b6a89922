// Bundle each PBS command into one CommonJS file: workflow managers call qstat and qsub
// thousands of times, and one file loads faster than a tree of ES modules (docs/architecture.md).
// Then the web view (web/): one JS bundle and one CSS file with hashed names in dist/web/assets/,
// and dist/web/index.html naming them (docs/web.md).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { build } from 'esbuild';

const commands = ['qsub', 'qstat', 'qdel', 'qhold', 'qrls', 'qalter', 'qrerun', 'qsig', 'pbsnodes', 'tracejob', 'pbsdsh', 'qmgr', 'render-farm', 'qselect', 'qmove', 'qorder', 'qmsg', 'pbs_rsub', 'pbs_rstat', 'pbs_rdel'];
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
  entryPoints: ['web/main.tsx'],
  bundle: true,
  platform: 'browser',
  target: ['es2022'],
  format: 'esm',
  tsconfig: 'tsconfig.web.json',
  outdir: 'dist/web/assets',
  logLevel: 'warning',
  minify: true,
  legalComments: 'none',
  write: false,
});
// named by a hex digest of their content (app.<hash>.js): the head lets browsers keep such files
mkdirSync('dist/web/assets', { recursive: true });
const names = {};
for (const out of web.outputFiles) {
  const ext = extname(out.path);
  const name = `app.${createHash('sha256').update(out.contents).digest('hex').slice(0, 12)}${ext}`;
  writeFileSync(`dist/web/assets/${name}`, out.contents);
  names[ext] = `/web/assets/${name}`;
}
writeFileSync(
  'dist/web/index.html',
  readFileSync('web/index.html', 'utf8').replace('%APP_JS%', names['.js']).replace('%APP_CSS%', names['.css']),
);
