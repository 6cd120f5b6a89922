// pbsnodes output: `-a` listing, `-l` list of marked nodes, `-F json`.

import { formatKb as kb } from '../../core/pbs/size.js';
import { ctime } from '../../core/pbs/time-format.js';
import type { NodeRecord } from '../../core/record-types.js';
import { type JsonObject, type JsonValue, jsonDocument, jsonScalar } from './qstat-full.js';

const BUILT_IN = new Set(['host', 'mem', 'ncpus', 'ngpus', 'vnode']);
const LAST_STATE_CHANGE = 'last_state_change_time';

function available(node: NodeRecord): [string, string][] {
  const out: [string, string][] = [
    ['host', node.host],
    ['mem', kb(node.mem)],
    ['ncpus', String(node.ncpus)],
  ];
  if (node.ngpus > 0) out.push(['ngpus', String(node.ngpus)]);
  out.push(['vnode', node.name]);
  for (const [name, value] of Object.entries(node.labels)) {
    if (!BUILT_IN.has(name)) out.push([name, value]);
  }
  return out;
}

function assigned(node: NodeRecord): [string, string][] {
  return [
    ['mem', kb(node.assignedMem)],
    ['ncpus', String(node.assignedNcpus)],
    ['ngpus', String(node.assignedNgpus)],
  ];
}

/**
 * A node's attributes in PBS's node-attribute order; `last_state_change_time` stays epoch
 * seconds here (the text form prints it with ctime, JSON as a number).
 */
function nodeAttributes(node: NodeRecord): [string, string][] {
  const attrs: [string, string][] = [
    ['Mom', node.host],
    ['ntype', 'PBS'],
    ['state', node.state],
    ['pcpus', String(node.ncpus)],
  ];
  if (node.jobs.length > 0) attrs.push(['jobs', node.jobs.join(', ')]);
  attrs.push(...available(node).map(([k, v]): [string, string] => [`resources_available.${k}`, v]));
  attrs.push(...assigned(node).map(([k, v]): [string, string] => [`resources_assigned.${k}`, v]));
  if (node.comment !== undefined && node.comment !== '') attrs.push(['comment', node.comment]);
  attrs.push(['resv_enable', 'True'], ['sharing', 'default_shared']);
  if (node.lastStateChange > 0) attrs.push([LAST_STATE_CHANGE, String(node.lastStateChange)]);
  return attrs;
}

function nodeBlock(node: NodeRecord): string {
  const lines = nodeAttributes(node).map(([name, value]) => {
    const shown = name === LAST_STATE_CHANGE ? ctime(Number(value)) : value;
    return `     ${name} = ${shown}\n`;
  });
  return `${node.name}\n${lines.join('')}\n`;
}

/**
 * `pbsnodes -a`: the name, `     attr = value` lines (5-space indent), a blank line per node.
 * `now` is accepted for the command's convenience; nothing in this listing depends on it.
 */
export function formatNodes(nodes: NodeRecord[], _now: number): string {
  return nodes.map(nodeBlock).join('');
}

function isMarked(state: string): boolean {
  return state.includes('down') || state.includes('offline');
}

/** `pbsnodes -l`: `%-20s <state> <comment>` for each down or offline node. */
export function formatNodesList(nodes: NodeRecord[]): string {
  return nodes
    .filter((node) => isMarked(node.state))
    .map((node) => `${node.name.padEnd(20)} ${node.state} ${node.comment ?? ''}\n`)
    .join('');
}

// ---- JSON ----------------------------------------------------------------------------------------

/** Job ids without their `/slot`, each once: `["12.svr", "13.svr"]`. */
function jobIds(jobs: string[]): JsonValue[] {
  const ids = jobs.map((entry) => entry.replace(/\s/g, '').split('/')[0] ?? '');
  return ids.filter((id, i) => id !== '' && id !== ids[i - 1]);
}

/** pbsnodes leaves zero values (`0`, `0kb`) out of resources_assigned in JSON. */
function isZero(value: string): boolean {
  return value.startsWith('0') && Number.parseFloat(value) === 0;
}

function nodeJson(node: NodeRecord): JsonObject {
  const obj: JsonObject = new Map();
  for (const [name, value] of nodeAttributes(node)) {
    if (name === 'jobs') obj.set('jobs', jobIds(node.jobs));
    else if (name.startsWith('resources_')) addResource(obj, name, value);
    else obj.set(name, jsonScalar(value));
  }
  return obj;
}

function addResource(obj: JsonObject, name: string, value: string): void {
  const dot = name.indexOf('.');
  const groupName = name.slice(0, dot);
  let group = obj.get(groupName);
  if (!(group instanceof Map)) {
    group = new Map();
    obj.set(groupName, group);
  }
  if (groupName === 'resources_assigned' && isZero(value)) return;
  group.set(name.slice(dot + 1), jsonScalar(value));
}

/** `pbsnodes -a -F json`: `{"timestamp":..,"pbs_version":..,"pbs_server":..,"nodes":{...}}`. */
export function formatNodesJson(
  nodes: NodeRecord[],
  server: { name: string; version: string; now: number },
): string {
  const body: JsonObject = new Map(nodes.map((node) => [node.name, nodeJson(node)]));
  return jsonDocument(server, 'nodes', body);
}
