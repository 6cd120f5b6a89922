// drover mpiexec's options and where its ranks go: PBS_NODEFILE's lines are the job's slots
// (one line per MPI process a chunk asked for, in the job's order); rank r takes line r, or with
// --ppn P the P ranks r = k·P … k·P+P-1 go to the k-th distinct node.

export const USAGE =
  'usage: drover mpiexec -n N [--ppn P] [--tag-output] [--oversubscribe] [--] command [args...]';

export interface MpiexecOptions {
  n: number;
  ppn?: number;
  tagOutput: boolean;
  oversubscribe: boolean;
  argv: string[];
}

const positive = (v: string | undefined) => (v !== undefined && /^[1-9]\d*$/.test(v) ? Number(v) : undefined);

/** The options before the command (the first word not an option, or the words after `--`). */
export function parseMpiexec(args: string[]): MpiexecOptions | string {
  const o: Partial<MpiexecOptions> & { tagOutput: boolean; oversubscribe: boolean } = {
    tagOutput: false,
    oversubscribe: false,
  };
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a];
    if (name === '--tag-output' || name === '--oversubscribe') {
      if (inline !== undefined) return `${name} takes no value`;
      if (name === '--tag-output') o.tagOutput = true;
      else o.oversubscribe = true;
      continue;
    }
    if (name !== '-n' && name !== '-np' && name !== '--ppn' && name !== '--npernode')
      return `unknown option ${name}`;
    const value = inline ?? args[++i];
    const n = positive(value);
    if (n === undefined) return `${name} wants a positive integer, got '${value ?? ''}'`;
    if (name === '-n' || name === '-np') o.n = n;
    else o.ppn = n;
  }
  if (o.n === undefined) return '-n N is required';
  const argv = args.slice(i);
  if (argv.length === 0) return 'a command is required';
  return { ...o, n: o.n, argv } as MpiexecOptions;
}

/** PBS_NODEFILE's content: one host a line. */
export function nodefileHosts(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Each rank's host, or why the ranks do not fit the job's slots. */
export function placeRanks(
  hosts: string[],
  o: Pick<MpiexecOptions, 'n' | 'ppn' | 'oversubscribe'>,
): string[] | string {
  if (hosts.length === 0) return 'the job has no slots (PBS_NODEFILE is empty)';
  const nodes = [...new Set(hosts)];
  const slots = (h: string) => hosts.filter((x) => x === h).length;
  if (o.ppn === undefined) {
    if (o.n > hosts.length && !o.oversubscribe)
      return `${o.n} ranks do not fit the job's ${hosts.length} slots (--oversubscribe to run them anyway)`;
    return Array.from({ length: o.n }, (_, r) => hosts[r % hosts.length]!);
  }
  const ppn = o.ppn;
  if (!o.oversubscribe) {
    const needed = Math.ceil(o.n / ppn);
    if (needed > nodes.length)
      return `${o.n} ranks at ${ppn} per node need ${needed} nodes, the job has ${nodes.length} (--oversubscribe to run them anyway)`;
    const small = nodes.slice(0, needed).find((h) => slots(h) < Math.min(ppn, o.n));
    if (small !== undefined)
      return `--ppn ${ppn} is more than the job's ${slots(small)} slots on ${small} (--oversubscribe to run them anyway)`;
  }
  return Array.from({ length: o.n }, (_, r) => nodes[Math.floor(r / ppn) % nodes.length]!);
}

/** Each rank's index among the ranks on its node. */
export function localRanks(placed: string[]): number[] {
  const seen = new Map<string, number>();
  return placed.map((h) => {
    const i = seen.get(h) ?? 0;
    seen.set(h, i + 1);
    return i;
  });
}
