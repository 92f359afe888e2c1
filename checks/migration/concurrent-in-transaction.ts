import { defineRule } from '../../src/rule.js';
import type { SqlStatement } from '../../src/analyzers/sql/migration.js';
import { GUIDE, noTransactionAdvice, transactionCause, forwardOnly } from '../../src/analyzers/sql/rule-helpers.js';

/** The statement kinds Postgres refuses inside a transaction block when CONCURRENTLY. */
function concurrentWhat(stmt: SqlStatement): string | undefined {
  const a = stmt.ast;
  switch (stmt.kind) {
    case 'IndexStmt':
      return a.concurrent ? 'CREATE INDEX CONCURRENTLY' : undefined;
    case 'DropStmt':
      return a.concurrent && a.removeType === 'OBJECT_INDEX' ? 'DROP INDEX CONCURRENTLY' : undefined;
    case 'ReindexStmt':
      return a.params?.some((p: any) => p.DefElem?.defname === 'concurrently') ? 'REINDEX CONCURRENTLY' : undefined;
    case 'AlterTableStmt':
      return (a.cmds ?? []).some((c: any) => c.AlterTableCmd?.subtype === 'AT_DetachPartition' && c.AlterTableCmd?.def?.PartitionCmd?.concurrent)
        ? 'DETACH PARTITION CONCURRENTLY'
        : undefined;
    default:
      return undefined;
  }
}

export default forwardOnly(defineRule({
  meta: {
    id: 'migration/concurrent-in-transaction',
    area: 'migration',
    severity: 'error',
    title: 'CONCURRENTLY inside a transaction',
    guidance: GUIDE.onlineDdl,
    checklist: ['migration.concurrent-indexes'],
    description:
      'Postgres refuses CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and DETACH PARTITION CONCURRENTLY inside a transaction block, so the migration fails at deploy time. This happens with an explicit BEGIN, and with runners that wrap each file in a transaction: Prisma Migrate, Knex (unless `config = { transaction: false }`), TypeORM (unless `transaction = false`), node-pg-migrate (unless `pgm.noTransaction()`), MikroORM (unless `isTransactional()` returns false, which also needs `allOrNothing: false` in its config), and any runner when `migrations.assume_in_transaction` is set. golang-migrate sends a whole `.sql` file as one query, which Postgres runs as one implicit transaction when it holds more than one statement, so a CONCURRENTLY statement needs a file of its own there (unless the database URL sets `x-multi-statement=true`, which `migrations.golang_multi_statement: true` tells the reviewer). Flyway runs a file holding only such statements outside a transaction, so it is not flagged. Kysely runs all pending migrations in one transaction unless its Migrator sets `disableTransactions`, which the migration file cannot show; a Kysely file that uses CONCURRENTLY is taken as a sign that the project runs without transactions.',
    examples: {
      bad: [
        { path: 'db/migrations/0007_idx.sql', code: 'BEGIN;\nCREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\nCOMMIT;\n' },
        { path: 'prisma/migrations/20240301_idx/migration.sql', code: 'CREATE INDEX CONCURRENTLY "Order_customerId_idx" ON "Order"("customerId");\n' },
        {
          path: 'db/migrations/0008_idx.sql',
          code: 'DROP INDEX CONCURRENTLY orders_old_idx;\n',
          config: { migrations: { assume_in_transaction: true } },
          note: 'The runner wraps every file in a transaction, as the config says.',
        },
        {
          path: 'db/migrations/20240910_orders_idx.js',
          code: "exports.up = async function (knex) {\n  await knex.raw('CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id)');\n};\n\nexports.down = async function (knex) {\n  await knex.raw('DROP INDEX CONCURRENTLY orders_customer_idx');\n};\n",
          note: 'Knex wraps each migration in a transaction by default.',
        },
        {
          path: 'src/migration/1712000000000-OrdersIdx.ts',
          code: "import { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class OrdersIdx1712000000000 implements MigrationInterface {\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`CREATE INDEX CONCURRENTLY \"orders_customer_idx\" ON \"orders\" (\"customer_id\")`);\n  }\n\n  public async down(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`DROP INDEX \"orders_customer_idx\"`);\n  }\n}\n",
        },
        {
          path: 'db/migrations/000012_orders_note.up.sql',
          code: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n",
          note: 'golang-migrate sends the file as one query, and Postgres runs its three statements as one transaction.',
        },
      ],
      good: [
        {
          path: 'db/migrations/000013_orders_note_idx.up.sql',
          code: '-- built outside any transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_note_idx ON orders (note);\n',
          note: 'A golang-migrate file holding only this statement runs on its own, outside a transaction.',
        },
        { path: 'db/migrations/0007_idx.sql', code: 'CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n' },
        {
          path: 'db/migrations/0009_idx.sql',
          code: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);\n',
          note: 'The index is built after COMMIT, outside the transaction.',
        },
        { path: 'db/flyway/V12__orders_idx.sql', code: 'CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n', note: 'Flyway runs a file of only non-transactional statements without a transaction.' },
        {
          path: 'db/migrations/20240910_orders_idx.js',
          code: "exports.config = { transaction: false };\n\nexports.up = async function (knex) {\n  await knex.raw('CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id)');\n};\n\nexports.down = async function (knex) {\n  await knex.raw('DROP INDEX CONCURRENTLY orders_customer_idx');\n};\n",
          note: 'The migration opts out of the Knex transaction.',
        },
        {
          path: 'src/migration/1712000000000-OrdersIdx.ts',
          code: "import { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class OrdersIdx1712000000000 implements MigrationInterface {\n  transaction = false;\n\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`CREATE INDEX CONCURRENTLY \"orders_customer_idx\" ON \"orders\" (\"customer_id\")`);\n  }\n\n  public async down(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`DROP INDEX \"orders_customer_idx\"`);\n  }\n}\n",
        },
      ],
    },
  },
  sql: {
    kinds: ['IndexStmt', 'DropStmt', 'ReindexStmt', 'AlterTableStmt'],
    check(stmt, ctx) {
      const what = concurrentWhat(stmt);
      if (!what || !ctx.state.inTransaction) return;
      const m = ctx.migration;
      // Flyway detects CONCURRENTLY and runs such statements outside a transaction itself.
      if (m.framework === 'flyway' && !ctx.state.explicitTransaction) return;
      ctx.report({
        startLine: stmt.startLine,
        endLine: stmt.endLine,
        message:
          `\`${what}\` cannot run inside a transaction block, and ${transactionCause(m, ctx.state)}: Postgres rejects it and the deploy fails at this statement. ` +
          `${noTransactionAdvice(m, ctx.state)}. Keep CONCURRENTLY: dropping it would block writes on the table for the whole operation.`,
      });
    },
  },
}), { rollbackScripts: true });
