// Group commit on a real SQLite file: units queued in one turn share one transaction, a unit that
// throws is rolled back alone, and promises settle only after the commit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../../head/db/group-commit.js';
import { openTempStore, type TempStore } from '../helpers/db-fixture.js';

let temp: TempStore;
beforeEach(() => {
  temp = openTempStore();
});
afterEach(() => temp.dispose());

const commits = () => {
  let n = 0;
  return {
    count: () => n,
    /** the store's transaction, counting the outermost ones (the commits) */
    wrap: <T>(fn: () => T): T => {
      const outer = !temp.store.db.inTransaction;
      const v = temp.store.transaction(fn);
      if (outer) n += 1;
      return v;
    },
  };
};

describe('group commit', () => {
  it('commits the units of one turn together and resolves each with its value after the commit', async () => {
    const c = commits();
    const group = new GroupCommit({ transaction: c.wrap });
    const seqs = await Promise.all([0, 1, 2].map(() => group.run(() => temp.store.meta.nextSeq())));
    expect(seqs).toEqual([0, 1, 2]);
    expect(c.count()).toBe(1);
    expect(temp.reopen().meta.nextSeq()).toBe(3);
  });

  it('rolls back a unit that throws and keeps the others', async () => {
    const group = new GroupCommit(temp.store);
    const a = group.run(() => temp.store.meta.set('a', '1'));
    const bad = group.run(() => {
      temp.store.meta.set('b', '1');
      throw new Error('no');
    });
    const c = group.run(() => temp.store.meta.set('c', '1'));
    await expect(bad).rejects.toThrow('no');
    await Promise.all([a, c]);
    const s = temp.reopen();
    expect([s.meta.get('a'), s.meta.get('b'), s.meta.get('c')]).toEqual(['1', undefined, '1']);
  });

  it('settles nothing before the commit: a unit queued in a unit waits for the next group', async () => {
    const c = commits();
    const group = new GroupCommit({ transaction: c.wrap });
    const order: string[] = [];
    let inner: Promise<unknown> | undefined;
    await group.run(() => {
      inner = group.run(() => order.push('inner')).then(() => order.push(`inner settled after ${c.count()}`));
      order.push('outer');
    });
    order.push(`outer settled after ${c.count()}`);
    await inner;
    expect(order).toEqual(['outer', 'outer settled after 1', 'inner', 'inner settled after 2']);
  });
});
