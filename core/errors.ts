// Refusals: what a refused request carries, and the one table of refusal codes (HTTP status for
// the API, PBS exit status for the commands).

/** Why a request was refused. `code` maps to an HTTP status and a PBS exit code (the table below). */
export interface Refusal {
  code: ErrorCode;
  /** Text after the `cmd: ` prefix. May hold several lines; each is printed as `cmd: line`. */
  message: string;
  /** Print the command's usage text after the message. */
  usage?: boolean;
  /** A line printed as it is, before the message: what a PBS library prints without `cmd: `. */
  unprefixed?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: Refusal };

export type ErrorCode =
  | 'USAGE' // bad option or value on the command line: exit 2
  | 'DIRECTIVE' // bad #PBS directive, unreadable script, CRLF: exit 1
  | 'FAILED' // generic client-side failure: exit 1
  | 'UNKNOWN_JOB' // 153
  | 'UNKNOWN_RESV' // 236: PBSE_UNKRESVID (15084), "Unknown Reservation Id"
  | 'BAD_TIME_SPEC' // 238: PBSE_BADTSPEC (15086), a reservation's times do not make a window
  | 'JOB_FINISHED' // 35
  | 'UNKNOWN_QUEUE' // 170
  | 'QUEUE_DISABLED' // 173
  | 'UNKNOWN_RESOURCE' // 187
  | 'BAD_RESOURCE_VALUE' // 166
  | 'EXCEEDS_LIMITS' // 188
  | 'NODES_WITH_SELECT' // 6
  | 'CHUNK_WITH_SELECT' // 5
  | 'PLACE_WITHOUT_SELECT' // 7
  | 'BAD_STATE' // 168: request invalid for state of job
  | 'JOB_NOT_RUNNING' // 168: PBSE_BADSTATE, for a request only a running job answers (drover peek)
  | 'NODE_NOT_ANSWERING' // 222: PBSE_NORELYMOM (15070, "could not contact Mom")
  | 'UNKNOWN_SIGNAL' // 165: PBSE_UNKSIG (15013), qsig -s with a name PBS does not know
  | 'INVALID_REQUEST' // 156
  | 'SUBJOB_FINISHED' // 55: qdel of an X subjob
  | 'MODIFY_RUNNING' // 167
  | 'UNAUTHORIZED' // 159: PBSE_PERM, the requester may not do this
  | 'BAD_CREDENTIAL' // 171: PBSE_BADCRED, who is asking could not be established
  | 'BAD_USER' // 175: PBSE_BADUSER, e.g. a job as root that acl_roots does not allow
  | 'READ_ONLY' // 155: PBSE_ATTRRO, an attribute the requester may not set
  | 'ENTITY_LIMIT' // 38: PBSE_ENTLIMCT, max_queued reached
  | 'UNKNOWN_NODE' // 1
  | 'NOT_FOUND' // 1: something else that is not there (e.g. a frame without a thumbnail)
  | 'NOT_SUPPORTED' // 1: a feature Drover refuses for now, with a clear message
  | 'NO_SUPPORT' // 157: PBSE_NOSUP, a request PBS does not support for this job (qmsg of an array)
  | 'NO_SERVER' // 111 (ECONNREFUSED-like): cannot connect to server
  | 'NOT_PRIMARY' // 186: PBSE_NOSERVER (15034, "No server to connect to"), a standby head answered
  | 'BAD_REQUEST' // 15: malformed API request
  | 'NO_SESSION' // 171: the web view's request has no live session cookie
  | 'CSRF' // 159: a web request that changes something without its CSRF token, or from another site
  | 'INTERNAL'; // 1

const TABLE: Record<ErrorCode, { http: number; exit: number }> = {
  USAGE: { http: 400, exit: 2 },
  DIRECTIVE: { http: 400, exit: 1 },
  FAILED: { http: 400, exit: 1 },
  UNKNOWN_JOB: { http: 404, exit: 153 },
  UNKNOWN_RESV: { http: 404, exit: 236 },
  BAD_TIME_SPEC: { http: 400, exit: 238 },
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
  JOB_NOT_RUNNING: { http: 409, exit: 168 },
  NODE_NOT_ANSWERING: { http: 504, exit: 222 },
  UNKNOWN_SIGNAL: { http: 400, exit: 165 },
  INVALID_REQUEST: { http: 400, exit: 156 },
  SUBJOB_FINISHED: { http: 409, exit: 55 },
  MODIFY_RUNNING: { http: 409, exit: 167 },
  UNAUTHORIZED: { http: 403, exit: 159 },
  BAD_CREDENTIAL: { http: 401, exit: 171 },
  BAD_USER: { http: 403, exit: 175 },
  READ_ONLY: { http: 403, exit: 155 },
  ENTITY_LIMIT: { http: 409, exit: 38 },
  UNKNOWN_NODE: { http: 404, exit: 1 },
  NOT_FOUND: { http: 404, exit: 1 },
  NOT_SUPPORTED: { http: 400, exit: 1 },
  NO_SUPPORT: { http: 400, exit: 157 },
  NO_SERVER: { http: 503, exit: 111 },
  NOT_PRIMARY: { http: 503, exit: 186 },
  BAD_REQUEST: { http: 400, exit: 15 },
  NO_SESSION: { http: 401, exit: 171 },
  CSRF: { http: 403, exit: 159 },
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
