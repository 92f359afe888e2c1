import type { Rule } from '../../src/rule.js';
import missingDownMigration from './missing-down-migration.js';
import droppedColumnStillReferenced from './dropped-column-still-referenced.js';
import createIndexNonConcurrent from './create-index-non-concurrent.js';
import dropIndexNonConcurrent from './drop-index-non-concurrent.js';
import concurrentInTransaction from './concurrent-in-transaction.js';
import dropColumn from './drop-column.js';
import dropTable from './drop-table.js';
import renameColumn from './rename-column.js';
import renameTable from './rename-table.js';
import alterColumnType from './alter-column-type.js';
import addColumnRequired from './add-column-required.js';
import addColumnVolatileDefault from './add-column-volatile-default.js';
import setNotNull from './set-not-null.js';
import addForeignKeyValidating from './add-foreign-key-validating.js';
import addCheckValidating from './add-check-validating.js';
import addUniqueConstraint from './add-unique-constraint.js';
import missingLockTimeout from './missing-lock-timeout.js';
import unbatchedBackfill from './unbatched-backfill.js';
import timestampWithoutTimeZone from './timestamp-without-time-zone.js';
import moneyAsFloat from './money-as-float.js';
import intPrimaryKey from './int-primary-key.js';
import randomUuidPrimaryKey from './random-uuid-primary-key.js';
import enumType from './enum-type.js';
import foreignKeyWithoutIndex from './foreign-key-without-index.js';
import tableWithoutPrimaryKey from './table-without-primary-key.js';
import truncate from './truncate.js';
import unparseableSql from './unparseable-sql.js';

export const MIGRATION_RULES: Rule[] = [
  createIndexNonConcurrent,
  dropIndexNonConcurrent,
  concurrentInTransaction,
  dropColumn,
  dropTable,
  renameColumn,
  renameTable,
  alterColumnType,
  addColumnRequired,
  addColumnVolatileDefault,
  setNotNull,
  addForeignKeyValidating,
  addCheckValidating,
  addUniqueConstraint,
  missingLockTimeout,
  unbatchedBackfill,
  timestampWithoutTimeZone,
  moneyAsFloat,
  intPrimaryKey,
  randomUuidPrimaryKey,
  enumType,
  foreignKeyWithoutIndex,
  tableWithoutPrimaryKey,
  truncate,
  unparseableSql,
  missingDownMigration,
  droppedColumnStillReferenced,
];
