// Old-style `-l nodes=N[:ppn=P][:cpp=C][:prop...][+...][#excl|#shared]` (Torque, PBS ≤ 7),
// converted the way OpenPBS does: each element becomes
// `N:ncpus=P×C[:mpiprocs=P when P≠1][:prop=True]`, placement `scatter` (`:excl`, `:shared`).

import { ok, type Result, refuse } from '../errors.js';
import { addChunk, type ChunkSet, selectText } from './chunks.js';

export interface NodesPlan extends ChunkSet {
  /** the place string PBS derives: `scatter`, `scatter:excl` or `scatter:shared` */
  place: string;
}

/** Job-wide values given alongside `nodes=`: ncpus spread over the nodes, mem split per chunk. */
export interface NodesJobWide {
  ncpus?: number;
  /** bytes */
  mem?: number;
}

interface NodeElement {
  count: number;
  ppn?: number;
  cpp?: number;
  labels: [string, string][];
}

const COUNT = /^\d+$/;
const HOSTNAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

function badNodes<T>(name = 'nodes'): Result<T> {
  return refuse('BAD_RESOURCE_VALUE', `Illegal attribute or resource value Resource_List.${name}`);
}

export function parseNodes(value: string, jobWide: NodesJobWide = {}): Result<NodesPlan> {
  const [spec = '', suffix, ...extra] = value.split('#');
  if (extra.length > 0 || (suffix !== undefined && suffix !== 'excl' && suffix !== 'shared')) {
    return badNodes();
  }
  const elements: NodeElement[] = [];
  for (const text of spec.split('+')) {
    const element = parseElement(text);
    if (!element) return badNodes();
    elements.push(element);
  }
  const perChunkNcpus = spreadNcpus(elements, jobWide.ncpus);
  if (perChunkNcpus === null) return badNodes('ncpus');
  const plan: NodesPlan = {
    chunks: [],
    select: '',
    memTerms: [],
    place: suffix ? `scatter:${suffix}` : 'scatter',
  };
  const nodect = elements.reduce((sum, element) => sum + element.count, 0);
  const memKb = jobWide.mem === undefined ? undefined : Math.floor(jobWide.mem / nodect / 1024);
  const texts: string[] = [];
  for (const element of elements) {
    const pairs = elementPairs(element, perChunkNcpus, memKb);
    const added = addChunk(plan, element.count, pairs, 'nodes');
    if (!added.ok) return added;
    texts.push(selectText(element.count, pairs));
  }
  plan.select = texts.join('+');
  return ok(plan);
}

/** `N[:ppn=P][:cpp=C][:prop][:res=val]` or `hostname[:...]` (one node named host). */
function parseElement(text: string): NodeElement | undefined {
  const [first = '', ...fields] = text.split(':');
  const element: NodeElement = { count: 1, labels: [] };
  if (COUNT.test(first)) element.count = Number(first);
  else if (HOSTNAME.test(first)) element.labels.push(['host', first]);
  else return undefined;
  if (element.count < 1) return undefined;
  for (const field of fields) {
    if (!addField(element, field)) return undefined;
  }
  return element;
}

function addField(element: NodeElement, field: string): boolean {
  const [name = '', value, ...rest] = field.split('=');
  if (!HOSTNAME.test(name) || rest.length > 0 || value === '') return false;
  if (name === 'ppn' || name === 'cpp') {
    if (value === undefined || !COUNT.test(value) || Number(value) < 1) return false;
    element[name] = Number(value);
  } else {
    element.labels.push([name, value ?? 'True']);
  }
  return true;
}

/**
 * The ncpus of every chunk when a job-wide ncpus came with nodes: it must equal the total the
 * ppn values give, or (with no ppn/cpp anywhere) divide evenly over the nodes. null = invalid.
 */
function spreadNcpus(elements: NodeElement[], ncpus: number | undefined): number | undefined | null {
  if (ncpus === undefined) return undefined;
  const total = elements.reduce((sum, e) => sum + e.count * (e.ppn ?? 1) * (e.cpp ?? 1), 0);
  if (ncpus === total) return undefined;
  const explicit = elements.some((e) => e.ppn !== undefined || e.cpp !== undefined);
  const nodect = elements.reduce((sum, e) => sum + e.count, 0);
  return explicit || ncpus % nodect !== 0 ? null : ncpus / nodect;
}

function elementPairs(element: NodeElement, ncpus: number | undefined, memKb?: number): [string, string][] {
  const ppn = element.ppn ?? 1;
  const pairs: [string, string][] = [['ncpus', String(ncpus ?? ppn * (element.cpp ?? 1))]];
  if (ppn !== 1) pairs.push(['mpiprocs', String(ppn)]);
  if (memKb !== undefined) pairs.push(['mem', `${memKb}kb`]);
  return [...pairs, ...element.labels];
}
