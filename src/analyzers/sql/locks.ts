/**
 * The lock each kind of statement takes on the table it touches. This is the one place
 * rule messages get their lock facts from, and test/locks.pglite.test.ts checks every
 * entry against what a real Postgres records in pg_locks.
 */
export type LockMode =
  | 'AccessShareLock'
  | 'RowShareLock'
  | 'RowExclusiveLock'
  | 'ShareUpdateExclusiveLock'
  | 'ShareLock'
  | 'ShareRowExclusiveLock'
  | 'ExclusiveLock'
  | 'AccessExclusiveLock';

export interface LockFact {
  mode: LockMode;
  /** What other sessions can no longer do while the lock is held. */
  blocks: string;
}

const BLOCKS: Record<LockMode, string> = {
  AccessShareLock: 'only ACCESS EXCLUSIVE operations (DROP, most ALTER TABLE)',
  RowShareLock: 'EXCLUSIVE and ACCESS EXCLUSIVE operations',
  RowExclusiveLock: 'index builds without CONCURRENTLY and stronger locks',
  ShareUpdateExclusiveLock: 'other schema changes, VACUUM and concurrent index builds, but not reads or writes',
  ShareLock: 'every INSERT, UPDATE and DELETE (reads still work)',
  ShareRowExclusiveLock: 'every INSERT, UPDATE and DELETE (reads still work)',
  ExclusiveLock: 'every write; only plain reads go on',
  AccessExclusiveLock: 'every read and write, including plain SELECTs',
};

export function lockFact(mode: LockMode): LockFact {
  return { mode, blocks: BLOCKS[mode] };
}

/** Human name as Postgres documents it, e.g. "SHARE ROW EXCLUSIVE". */
export function lockName(mode: LockMode): string {
  return mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

/** Statement kind → lock taken on the target table. Keys are stable ids used by rules and the test. */
export const LOCKS = {
  createIndex: 'ShareLock',
  createIndexConcurrently: 'ShareUpdateExclusiveLock',
} satisfies Record<string, LockMode>;

export type LockKey = keyof typeof LOCKS;

export function lockOf(key: LockKey): LockFact {
  return lockFact(LOCKS[key]);
}
