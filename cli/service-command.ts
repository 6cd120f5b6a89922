// `drover service start|list|status|scale|stop` and `drover broker list` through the head's API.

import { exitCode } from '../core/errors.js';
import { buildServiceStart, MAX_INSTANCES, wholeFlag } from '../core/service/service-options.js';
import type { BrokerStatus, ServiceStatus } from '../core/service/service-status.js';
import { NoServer } from './api-errors.js';
import { api } from './client.js';
import { printError, report, submitPlace } from './command.js';
import { SERVICE_START_USAGE } from './drover-service-commands.js';
import { formatBrokerList, formatServiceList, formatServiceStatus } from './format/service-output.js';

const CMD = 'drover';
const servicePath = (name: string, rest = '') => `/v1/services/${encodeURIComponent(name)}${rest}`;

/** The command's exit code; a head that cannot be reached is PBS's 111, as for qstat. */
export async function guarded(work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (e) {
    if (!(e instanceof NoServer)) throw e;
    printError(CMD, e.message);
    return exitCode('NO_SERVER');
  }
}

function print(json: boolean | undefined, value: unknown, text: string): number {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text);
  return 0;
}

/** `drover service start NAME … -- COMMAND…` (its arguments after `start`). */
export async function serviceStart(argv: string[]): Promise<number> {
  const start = buildServiceStart({ argv, env: process.env, ...submitPlace() });
  if (!start.ok) return report(CMD, start.error, SERVICE_START_USAGE);
  const r = await api<{ name: string; jobs: string[] }>('POST', '/v1/services', start.value);
  if (!r.ok) return report(CMD, r.error);
  process.stdout.write(`service ${r.body.name} started: ${r.body.jobs.join(' ')}\n`);
  return 0;
}

export async function serviceList(json?: boolean): Promise<number> {
  const r = await api<{ services: ServiceStatus[] }>('GET', '/v1/services');
  if (!r.ok) return report(CMD, r.error);
  return print(json, r.body.services, formatServiceList(r.body.services));
}

export async function serviceStatus(name: string, json?: boolean): Promise<number> {
  const r = await api<ServiceStatus>('GET', servicePath(name));
  if (!r.ok) return report(CMD, r.error);
  return print(json, r.body, formatServiceStatus(r.body));
}

export async function serviceScale(name: string, count: string, json?: boolean): Promise<number> {
  const n = wholeFlag('INSTANCES', count, 0, MAX_INSTANCES);
  if (typeof n === 'string') return report(CMD, { code: 'USAGE', message: n });
  const r = await api<ServiceStatus>('POST', servicePath(name, '/scale'), { instances: n });
  if (!r.ok) return report(CMD, r.error);
  return print(json, r.body, `service ${name} scaled to ${n} instances\n`);
}

export async function serviceStop(name: string, json?: boolean): Promise<number> {
  const r = await api<{ name: string }>('POST', servicePath(name, '/stop'), {});
  if (!r.ok) return report(CMD, r.error);
  return print(json, r.body, `service ${name} stopping: its instance jobs are deleted\n`);
}

export async function brokerList(json?: boolean): Promise<number> {
  const r = await api<{ brokers: BrokerStatus[] }>('GET', '/v1/brokers');
  if (!r.ok) return report(CMD, r.error);
  return print(json, r.body.brokers, formatBrokerList(r.body.brokers, Date.now()));
}
