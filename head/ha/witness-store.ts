// The witness's durable state, `witness.json` in its state directory: written to a temporary
// file, synced, renamed over the old one, and the directory synced, so that a crash leaves either
// the old state or the new one, and an epoch the witness has granted is never forgotten.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY_WITNESS, type WitnessDurable } from '../../core/ha/witness-rules.js';

const FILE = 'witness.json';

function isDurable(v: unknown): v is WitnessDurable {
  const d = v as Partial<WitnessDurable> | null;
  return (
    !!d &&
    Number.isSafeInteger(d.epoch) &&
    d.epoch! >= 0 &&
    (d.holder === null || typeof d.holder === 'string') &&
    typeof d.standbyInSync === 'boolean'
  );
}

/** The stored state (the empty state when there is none yet); throws when the file is damaged. */
export function loadWitnessState(dir: string): WitnessDurable {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let text: string;
  try {
    text = readFileSync(join(dir, FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_WITNESS;
    throw e;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  // starting over at epoch 0 would undo the fencing: a damaged file stops the witness instead
  if (!isDurable(v)) throw new Error(`${join(dir, FILE)} is damaged; repair or remove it`);
  return { epoch: v.epoch, holder: v.holder, standbyInSync: v.standbyInSync };
}

/** Store `state` durably (returns once it is on disk). */
export function saveWitnessState(dir: string, state: WitnessDurable): void {
  const tmp = join(dir, `${FILE}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(state)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, FILE));
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}
