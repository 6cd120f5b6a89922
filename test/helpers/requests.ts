// Resource requests for tests, built by the real `-l` parser (core/pbs/resources.ts).

import type { ResourceRequest } from '../../core/job-spec-types.js';
import { parseResourceArgs } from '../../core/pbs/resource-entries.js';
import { buildResourceRequest } from '../../core/pbs/resources.js';

/** The resource request qsub makes of these `-l` values; throws when they are refused. */
export function resources(...values: string[]): ResourceRequest {
  const entries = parseResourceArgs(values);
  if (!entries.ok) throw new Error(`refused -l ${values.join(' ')}: ${entries.error.message}`);
  const request = buildResourceRequest(entries.value);
  if (!request.ok) throw new Error(`refused -l ${values.join(' ')}: ${request.error.message}`);
  return request.value;
}
