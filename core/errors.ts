// The one table of refusal codes: HTTP status for the API, PBS exit status for the commands.
import type { ErrorCode, Refusal, Result } from './types.js';

const TABLE: Record<ErrorCode, { http: number; exit: number }> = {
  USAGE: { http: 400, exit: 2 },
  DIRECTIVE: { http: 400, exit: 1 },
  FAILED: { http: 400, exit: 1 },
  UNKNOWN_JOB: { http: 404, exit: 153 },
  JOB_FINISHED: { http: 409, exit: 35 },
  UNKNOWN_QUEUE: { http: 400, exit: 170 },
  QUEUE_DISABLED: { http: 409, exit: 173 },
  UNKNOWN_RESOURCE: { http: 400, exit: 187 },
  BAD_RESOURCE_VALUE: { http: 400, exit: 166 },
  EXCEEDS_LIMITS: { http: 400, exit: 188 },
  NODES_WITH_SELECT: { http: 400, exit: 6 },
  CHUNK_WITH_SELECT: { http: 400, exit: 5 },
  PLACE_WITHOUT_SELECT: { http: 400, exit: 7 },
  BAD_STATE: { http: 409, exit: 168 },
  INVALID_REQUEST: { http: 400, exit: 156 },
  SUBJOB_FINISHED: { http: 409, exit: 55 },
  MODIFY_RUNNING: { http: 409, exit: 167 },
  UNAUTHORIZED: { http: 403, exit: 159 },
  BAD_CREDENTIAL: { http: 401, exit: 171 },
  BAD_USER: { http: 403, exit: 175 },
  READ_ONLY: { http: 403, exit: 155 },
  ENTITY_LIMIT: { http: 409, exit: 38 },
  UNKNOWN_NODE: { http: 404, exit: 1 },
  NOT_SUPPORTED: { http: 400, exit: 1 },
  NO_SERVER: { http: 503, exit: 111 },
  BAD_REQUEST: { http: 400, exit: 15 },
  INTERNAL: { http: 500, exit: 1 },
};

export const ERROR_CODES = Object.keys(TABLE) as ErrorCode[];

export function httpStatus(code: ErrorCode): number {
  return TABLE[code].http;
}

export function exitCode(code: ErrorCode): number {
  return TABLE[code].exit;
}

export function refuse<T = never>(code: ErrorCode, message: string, usage = false): Result<T> {
  const error: Refusal = usage ? { code, message, usage } : { code, message };
  return { ok: false, error };
}

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}
