// The house rules, checked on the source itself: no import cycles, small files and functions,
// unique file names, comments that cite only files in the repository and no issue numbers.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CODE = ['core', 'platform', 'head', 'compute-agent', 'broker', 'cli', 'native', 'mpi', 'web'];

/** What each top folder may import (besides itself); the folders' README.md say why. */
const MAY_IMPORT: Record<string, string[]> = {
  core: [],
  native: [],
  platform: ['core', 'native', 'package.json'],
  'compute-agent': ['core', 'platform', 'native'],
  head: ['core', 'platform', 'native'],
  broker: ['core', 'platform', 'native'],
  cli: ['core', 'platform', 'native'],
  mpi: ['core'],
  // the web view (a browser program) uses core's record types, nothing that runs on a server
  web: ['core'],
};
/** `drover head`, `drover agent`, `drover broker` and `drover witness` run in the command's process. */
const ENTRY_POINTS: Record<string, string[]> = {
  'cli/drover-daemon-commands.ts': [
    'head/main.ts',
    'head/ha/ha-main.ts',
    'compute-agent/daemon.ts',
    'compute-agent/relay.ts',
  ],
  'cli/drover-broker-commands.ts': ['broker/main.ts'],
  'cli/drover-witness-commands.ts': ['head/ha/witness-server.ts'],
};
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

function filesUnder(dir: string, ext = '.ts'): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'build' || name === 'dist') continue;
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, ext));
    else if (name.endsWith(ext)) out.push(path);
  }
  return out;
}

const sources = CODE.flatMap((d) => [...filesUnder(join(ROOT, d)), ...filesUnder(join(ROOT, d), '.tsx')]);
const parsed = new Map(
  sources.map((f) => [f, ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.ES2022, true)]),
);
const rel = (f: string) => relative(ROOT, f);

/** The file an import names: `./x.js` is `./x.ts`, or `./x.tsx` in the web view. */
function resolveImport(from: string, spec: string): string {
  const asTs = resolve(dirname(from), spec.replace(/\.js$/, '.ts'));
  return existsSync(asTs) || !existsSync(`${asTs}x`) ? asTs : `${asTs}x`;
}

/** What a file imports from the repository, types included: a cycle of types is a cycle too. */
function imports(file: string): string[] {
  const sf = parsed.get(file)!;
  const out: string[] = [];
  for (const s of sf.statements) {
    let spec: ts.Expression | undefined;
    if (ts.isImportDeclaration(s)) {
      spec = s.moduleSpecifier;
    } else if (ts.isExportDeclaration(s)) spec = s.moduleSpecifier;
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
    out.push(resolveImport(file, spec.text));
  }
  return out;
}

/** Imports written as `import('…')` (the commands load the head or the agent only when asked). */
function dynamicImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/import\('(\.[^']+)'\)/g)].map((m) => resolveImport(file, m[1]!));
}

function layerViolations(): string[] {
  const bad: string[] = [];
  for (const f of sources) {
    const from = rel(f);
    const top = from.split('/')[0]!;
    for (const t of [...imports(f), ...dynamicImports(f)]) {
      const to = rel(t);
      const target = to.split('/')[0]!;
      if (target === top || MAY_IMPORT[top]?.includes(target) || MAY_IMPORT[top]?.includes(to)) continue;
      if (ENTRY_POINTS[from]?.includes(to)) continue;
      bad.push(`${from} imports ${to}`);
    }
  }
  return bad;
}

function cycles(): string[][] {
  const graph = new Map(sources.map((f) => [f, imports(f).filter((t) => parsed.has(t))]));
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 'open') found.push([...stack.slice(stack.indexOf(t)), t].map(rel));
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of sources) if (!state.has(f)) visit(f);
  return found;
}

function longFunctions(file: string): string[] {
  const sf = parsed.get(file)!;
  const out: string[] = [];
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line;
  const visit = (n: ts.Node) => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body) {
      const lines = lineOf(n.getEnd()) - lineOf(n.getStart(sf)) + 1;
      const name = (n as ts.FunctionDeclaration).name?.getText(sf) ?? '(anonymous)';
      if (lines > MAX_FUNCTION_LINES)
        out.push(`${rel(file)}:${lineOf(n.getStart(sf)) + 1} ${name} ${lines} lines`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function comments(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, text);
  for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) {
    if (k === ts.SyntaxKind.SingleLineCommentTrivia || k === ts.SyntaxKind.MultiLineCommentTrivia)
      out.push(scanner.getTokenText());
  }
  return out;
}

/** A path into the repository's own folders, as comments and docs name files. */
const REPO_PATH =
  /\b((?:head|core|compute-agent|cli|platform|native|test|bench|scripts|migrations|docs|web)\/[\w/.-]*\.(?:tsx?|c|mjs|sql|md))\b/g;

const allText = [
  ...sources,
  ...['bench', 'test', 'scripts', 'migrations', 'docs', '.ci'].flatMap((d) =>
    existsSync(join(ROOT, d)) ? filesUnder(join(ROOT, d), '') : [],
  ),
  ...['README.md', ...CODE.map((d) => `${d}/README.md`)].map((f) => join(ROOT, f)).filter(existsSync),
].filter((f) => /\.(tsx?|mjs|c|sql|md|sh)$|\/run$/.test(f));

describe('the house', () => {
  it('has no import cycle in the code', () => {
    expect(cycles()).toEqual([]);
  });

  it('keeps each folder to what it may import', () => {
    expect(layerViolations()).toEqual([]);
  });

  it('never re-exports: each name is imported from the module that defines it', () => {
    // mpi/index.ts is the library's public entry (`drover/mpi`): it gathers the names programs use
    const reexports = sources
      .filter((f) => rel(f) !== 'mpi/index.ts')
      .filter((f) => parsed.get(f)!.statements.some((s) => ts.isExportDeclaration(s)));
    expect(reexports.map(rel)).toEqual([]);
  });

  it('keeps every source file under ~300 lines', () => {
    const long = sources
      .map((f) => [rel(f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  it('keeps every function in head/, compute-agent/ and broker/ under ~60 lines', () => {
    const long = sources
      .filter((f) => ['head/', 'compute-agent/', 'broker/'].some((d) => rel(f).startsWith(d)))
      .flatMap(longFunctions);
    expect(long).toEqual([]);
  });

  it('never repeats a file name across folders', () => {
    const names = new Map<string, string[]>();
    for (const f of sources) {
      // each program's entry point is its folder's main.ts (head/main.ts, broker/main.ts)
      if (basename(f) === 'index.ts' || basename(f) === 'main.ts') continue;
      names.set(basename(f), [...(names.get(basename(f)) ?? []), rel(f)]);
    }
    expect([...names.values()].filter((l) => l.length > 1)).toEqual([]);
  });

  it('cites in comments and docs only files that exist in the repository, and no issue numbers', () => {
    const bad: string[] = [];
    for (const f of allText) {
      const texts = /\.tsx?$/.test(f) ? comments(f) : [readFileSync(f, 'utf8')];
      for (const t of texts) {
        for (const m of t.matchAll(/[\w./-]*[\w-]+\.md\b/g)) {
          const cited = m[0];
          const where = [join(ROOT, cited), join(dirname(f), cited), join(ROOT, 'docs', basename(cited))];
          if (!where.some((p) => existsSync(p))) bad.push(`${rel(f)}: ${cited}`);
        }
        if (/\.tsx?$/.test(f) && /\bissues? #?\d+/i.test(t)) bad.push(`${rel(f)}: ${t.slice(0, 80)}`);
        for (const m of t.matchAll(REPO_PATH))
          if (!existsSync(join(ROOT, m[1]!))) bad.push(`${rel(f)}: ${m[1]}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
