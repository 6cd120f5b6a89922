// Queues as an admin manages them (`drover queue`, `qmgr`): create, change, delete, and the
// server's default queue. Refusals are values with PBS's words.
import { ok, type Result, refuse } from '../../core/errors.js';
import type { QueueChanges } from '../../core/record-types.js';
import type { Store } from '../db/store.js';

/** PBS queue names: a letter, then letters, digits, `_` or `-`, at most 15 characters. */
const QUEUE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,14}$/;

export function createQueue(store: Store, name: string, changes: QueueChanges): Result<void> {
  if (!QUEUE_NAME.test(name))
    return refuse(
      'INVALID_REQUEST',
      `illegal queue name ${name}: a letter, then letters, digits, _ or -, at most 15`,
    );
  if (store.queues.get(name)) return refuse('INVALID_REQUEST', `Queue ${name} already exists`);
  store.transaction(() => {
    store.queues.create(name);
    store.queues.update(name, changes);
  });
  return ok(undefined);
}

export function changeQueue(store: Store, name: string, changes: QueueChanges): Result<void> {
  if (!store.queues.get(name)) return refuse('UNKNOWN_QUEUE', `Unknown queue ${name}`);
  store.queues.update(name, changes);
  return ok(undefined);
}

export function deleteQueue(store: Store, name: string): Result<void> {
  if (!store.queues.get(name)) return refuse('UNKNOWN_QUEUE', `Unknown queue ${name}`);
  if (store.meta.get('default_queue') === name)
    return refuse('INVALID_REQUEST', `Queue ${name} is the default queue; set another default first`);
  const live = store.jobs.counts().filter((c) => c.queue === name && c.state !== 'F');
  if (live.length > 0) return refuse('INVALID_REQUEST', `Queue ${name} is not empty`);
  store.queues.remove(name);
  return ok(undefined);
}

export function setDefaultQueue(store: Store, name: string): Result<void> {
  if (!store.queues.get(name)) return refuse('UNKNOWN_QUEUE', `Unknown queue ${name}`);
  store.meta.set('default_queue', name);
  return ok(undefined);
}
