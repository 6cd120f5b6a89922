// MUNGE's error numbers (munge_err_t), their names and texts, and the error values
// the client makes of a reply that carries one or that it cannot parse.

/** munge_err_t, indexed by number */
export const MUNGE_ERROR_NAMES = [
  'EMUNGE_SUCCESS',
  'EMUNGE_SNAFU',
  'EMUNGE_BAD_ARG',
  'EMUNGE_BAD_LENGTH',
  'EMUNGE_OVERFLOW',
  'EMUNGE_NO_MEMORY',
  'EMUNGE_SOCKET',
  'EMUNGE_TIMEOUT',
  'EMUNGE_BAD_CRED',
  'EMUNGE_BAD_VERSION',
  'EMUNGE_BAD_CIPHER',
  'EMUNGE_BAD_MAC',
  'EMUNGE_BAD_ZIP',
  'EMUNGE_BAD_REALM',
  'EMUNGE_CRED_INVALID',
  'EMUNGE_CRED_EXPIRED',
  'EMUNGE_CRED_REWOUND',
  'EMUNGE_CRED_REPLAYED',
  'EMUNGE_CRED_UNAUTHORIZED',
] as const;
/** a name MUNGE defines, or `EMUNGE_<num>` for a number it does not define */
export type MungeErrorName = (typeof MUNGE_ERROR_NAMES)[number] | `EMUNGE_${number}`;

/** munge_strerror(), for replies that carry a number but no text */
const MUNGE_ERROR_TEXT = [
  'Success',
  'Internal error',
  'Invalid argument',
  'Exceeded maximum message length',
  'Buffer overflow',
  'Out of memory',
  'Socket communication error',
  'Socket timeout',
  'Invalid credential format',
  'Invalid credential version',
  'Invalid cipher type',
  'Invalid MAC type',
  'Invalid compression type',
  'Unrecognized security realm',
  'Invalid credential',
  'Expired credential',
  'Rewound credential',
  'Replayed credential',
  'Unauthorized credential',
];

export const EMUNGE_SOCKET = 6;
export const EMUNGE_CRED_EXPIRED = 15;
export const EMUNGE_CRED_REWOUND = 16;
export const EMUNGE_CRED_REPLAYED = 17;

export interface MungeError {
  num: number;
  name: MungeErrorName;
  message: string;
}

export function mungeErrorName(num: number): MungeErrorName {
  return MUNGE_ERROR_NAMES[num] ?? `EMUNGE_${num}`;
}

export function mungeError(num: number, message?: string): MungeError {
  return { num, name: mungeErrorName(num), message: message || (MUNGE_ERROR_TEXT[num] ?? 'Unknown error') };
}

/** A reply the client could not make sense of; libmunge reports these as socket errors too. */
export function malformed(what: string): MungeError {
  return mungeError(EMUNGE_SOCKET, `malformed ${what} from munged`);
}
