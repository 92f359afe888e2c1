/**
 * A synthetic but realistic corpus of Postgres migrations for the benchmark.
 *
 * The statement mix follows what real Postgres projects contain (see issue 7):
 * ALTER TABLE ≈ 38 %, CREATE INDEX ≈ 18 %, INSERT ≈ 6 %, CREATE TABLE ≈ 6 %, UPDATE ≈ 5 %,
 * and the rest views, functions, triggers, enums, comments and grants (plus the DO blocks,
 * SET and BEGIN/COMMIT of hand-written files). A quarter of the files are hand-written
 * (snake_case, schemas, PL/pgSQL functions, DO blocks, transactions); the rest look like
 * what `prisma migrate` generates. Every statement is valid Postgres (test/bench-corpus.test.ts
 * parses the output and checks the mix), and the same seed always gives the same corpus.
 */
import { Random } from './random.js';

export type Category =
  | 'alter-table'
  | 'create-index'
  | 'insert'
  | 'create-table'
  | 'update'
  | 'comment'
  | 'grant'
  | 'function'
  | 'view'
  | 'trigger'
  | 'enum'
  | 'do'
  | 'set'
  | 'transaction';

export const CATEGORIES: Category[] = [
  'alter-table',
  'create-index',
  'insert',
  'create-table',
  'update',
  'comment',
  'grant',
  'function',
  'view',
  'trigger',
  'enum',
  'do',
  'set',
  'transaction',
];

/** The five named shares of the issue, as fractions of all statements. */
export const MAIN_MIX: Partial<Record<Category, number>> = {
  'alter-table': 0.38,
  'create-index': 0.18,
  insert: 0.06,
  'create-table': 0.06,
  update: 0.05,
};

/** How the remaining ≈27 % is split (relative weights), after BEGIN/COMMIT pairs are counted. */
const REST_WEIGHTS: [Category, number][] = [
  ['comment', 6],
  ['grant', 5],
  ['function', 4],
  ['view', 3],
  ['trigger', 3],
  ['enum', 3],
  ['do', 2],
  ['set', 1],
];

/** Categories `prisma migrate` emits; everything else only appears in hand-written files. */
const PRISMA_CATEGORIES = new Set<Category>(['alter-table', 'create-index', 'create-table', 'enum']);

export type Style = 'prisma' | 'hand';

export interface MigrationFile {
  path: string;
  content: string;
  style: Style;
  /** Statements in the file, by category. */
  counts: Record<Category, number>;
  statements: number;
}

export interface MigrationCorpus {
  files: MigrationFile[];
  statements: number;
  counts: Record<Category, number>;
}

export interface CorpusOptions {
  /** Number of files; or give `statements` for a target total instead. */
  files?: number;
  statements?: number;
  seed?: number;
}

const emptyCounts = (): Record<Category, number> => Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;

/** The corpus as separate migration files, 1 in 4 hand-written, in the order a project would have them. */
export function generateMigrationCorpus(opts: CorpusOptions): MigrationCorpus {
  const rnd = new Random(opts.seed ?? 7);
  if (!opts.files && !opts.statements) throw new Error('give files or statements');

  // 1. File sizes (statements besides BEGIN/COMMIT). Prisma: many small migrations and the odd
  //    large one (the initial schema); hand-written: larger, with functions, grants and backfills.
  const specs: { style: Style; size: number; transaction: boolean }[] = [];
  let total = 0;
  for (let i = 0; opts.files ? i < opts.files : total < opts.statements!; i++) {
    const style: Style = i % 4 === 3 ? 'hand' : 'prisma';
    const size = style === 'prisma' ? (rnd.chance(0.05) ? rnd.int(30, 80) : rnd.int(1, 8)) : rnd.chance(0.1) ? rnd.int(50, 120) : rnd.int(6, 30);
    const transaction = style === 'hand' && rnd.chance(0.6);
    specs.push({ style, size, transaction });
    total += size + (transaction ? 2 : 0);
  }
  if (opts.statements && total > opts.statements) {
    const last = specs[specs.length - 1];
    last.size = Math.max(1, last.size - (total - opts.statements));
  }

  // 2. Quotas by category over the whole corpus; grow hand-written files until they can hold
  //    every statement Prisma never writes.
  const handFiles = specs.filter((s) => s.style === 'hand');
  if (handFiles.length === 0) throw new Error('corpus too small: needs at least 4 files');
  let quotas = computeQuotas(specs);
  while (handOnly(quotas) > sum(handFiles.map((s) => s.size))) {
    rnd.pick(handFiles).size++;
    quotas = computeQuotas(specs);
  }

  // 3. Deal categories to files. Each hand-written file gets PL/pgSQL (a function or a DO block) first.
  const handDeck: Category[] = [];
  const sharedDeck: Category[] = [];
  for (const c of CATEGORIES) {
    if (c === 'transaction') continue;
    for (let i = 0; i < quotas[c]; i++) (PRISMA_CATEGORIES.has(c) ? sharedDeck : handDeck).push(c);
  }
  rnd.shuffle(handDeck);
  rnd.shuffle(sharedDeck);
  const plpgsql = handDeck.filter((c) => c === 'function' || c === 'do');
  const handRest = handDeck.filter((c) => c !== 'function' && c !== 'do');
  const assigned: Category[][] = specs.map(() => []);
  specs.forEach((s, i) => {
    if (s.style === 'hand' && plpgsql.length > 0) assigned[i].push(plpgsql.pop()!);
  });
  const handPool = rnd.shuffle([...plpgsql, ...handRest]);
  specs.forEach((s, i) => {
    if (s.style !== 'hand') return;
    while (assigned[i].length < s.size && handPool.length > 0) assigned[i].push(handPool.pop()!);
    while (assigned[i].length < s.size) assigned[i].push(sharedDeck.pop()!);
  });
  specs.forEach((s, i) => {
    if (s.style === 'prisma') while (assigned[i].length < s.size) assigned[i].push(sharedDeck.pop()!);
  });
  if (handPool.length > 0 || sharedDeck.length > 0) throw new Error('corpus generator: categories left over');

  // 4. Render, keeping a model of the schema so statements refer to tables and columns that exist.
  const schema = new Schema(rnd);
  const files: MigrationFile[] = [];
  const counts = emptyCounts();
  const start = Date.UTC(2021, 0, 4, 9, 0, 0);
  specs.forEach((s, i) => {
    const cats = assigned[i];
    const rendered = s.style === 'prisma' ? renderPrisma(cats, schema, rnd) : renderHand(cats, s.transaction, schema, rnd);
    const fileCounts = emptyCounts();
    for (const c of cats) fileCounts[c]++;
    if (s.transaction) fileCounts.transaction += 2;
    for (const c of CATEGORIES) counts[c] += fileCounts[c];
    const when = new Date(start + i * 37 * 3600_000 + rnd.int(0, 3599) * 1000);
    const slug = rendered.name.replace(/[^a-z0-9]+/gi, '_').toLowerCase();
    const path =
      s.style === 'prisma'
        ? `prisma/migrations/${stamp(when)}_${slug}/migration.sql`
        : `db/migrations/${String(i + 1).padStart(4, '0')}_${slug}.sql`;
    files.push({ path, content: rendered.text, style: s.style, counts: fileCounts, statements: sum(Object.values(fileCounts)) });
  });
  return { files, statements: sum(Object.values(counts)), counts };
}

/** One file of about `statements` statements: the corpus concatenated, as in a squashed schema. */
export function generateLargeMigration(opts: { statements: number; seed?: number }): { content: string; statements: number; counts: Record<Category, number> } {
  const corpus = generateMigrationCorpus({ statements: opts.statements, seed: opts.seed });
  const content = corpus.files.map((f) => `-- ${f.path}\n${f.content}`).join('\n');
  return { content, statements: corpus.statements, counts: corpus.counts };
}

function computeQuotas(specs: { size: number; transaction: boolean }[]): Record<Category, number> {
  const wrappers = 2 * specs.filter((s) => s.transaction).length;
  const total = sum(specs.map((s) => s.size)) + wrappers;
  const q = emptyCounts();
  let used = 0;
  for (const [c, share] of Object.entries(MAIN_MIX) as [Category, number][]) {
    q[c] = Math.round(total * share);
    used += q[c];
  }
  q.transaction = wrappers;
  const rest = Math.max(0, total - used - wrappers);
  // Largest remainder, so the quotas add up exactly.
  const weightSum = sum(REST_WEIGHTS.map(([, w]) => w));
  const exact = REST_WEIGHTS.map(([c, w]) => [c, (rest * w) / weightSum] as const);
  let given = 0;
  for (const [c, x] of exact) {
    q[c] = Math.floor(x);
    given += q[c];
  }
  const byRemainder = [...exact].sort((a, b) => b[1] - Math.floor(b[1]) - (a[1] - Math.floor(a[1])));
  for (let i = 0; given < rest; i++, given++) q[byRemainder[i % byRemainder.length][0]]++;
  return q;
}

function handOnly(q: Record<Category, number>): number {
  return sum(CATEGORIES.filter((c) => c !== 'transaction' && !PRISMA_CATEGORIES.has(c)).map((c) => q[c]));
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const pad = (n: number) => String(n).padStart(2, '0');
const stamp = (d: Date) =>
  `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;

// ---------------------------------------------------------------------------------------------
// Schema model

interface Column {
  name: string;
  type: string;
}

interface Table {
  /** As written in SQL: `billing.invoices` or `"Invoice"`. */
  ref: string;
  /** Bare name, for constraint and index names. */
  name: string;
  columns: Column[];
  constraints: string[];
}

const NOUNS = [
  'user', 'account', 'organization', 'team', 'membership', 'project', 'task', 'comment', 'order', 'order_item',
  'product', 'price', 'invoice', 'invoice_line', 'payment', 'refund', 'subscription', 'plan', 'coupon', 'shipment',
  'address', 'session', 'api_key', 'webhook', 'webhook_delivery', 'notification', 'audit_event', 'feature_flag',
  'attachment', 'tag', 'label', 'warehouse', 'inventory_item', 'customer', 'contract', 'ticket', 'message',
  'channel', 'report', 'export_job', 'import_job', 'integration', 'credential', 'device', 'location', 'review',
];
const QUALIFIERS = ['archived', 'pending', 'daily', 'legacy', 'external', 'scheduled', 'draft', 'billing', 'usage', 'partner'];
const SCHEMAS = ['billing', 'analytics', 'auth', 'ops'];

const HAND_COLUMNS: Column[] = [
  { name: 'status', type: 'text' },
  { name: 'email', type: 'citext' },
  { name: 'display_name', type: 'text' },
  { name: 'external_id', type: 'text' },
  { name: 'amount_cents', type: 'bigint' },
  { name: 'currency', type: 'char(3)' },
  { name: 'metadata', type: 'jsonb' },
  { name: 'archived_at', type: 'timestamptz' },
  { name: 'deleted_at', type: 'timestamptz' },
  { name: 'priority', type: 'smallint' },
  { name: 'region', type: 'text' },
  { name: 'locale', type: 'varchar(16)' },
  { name: 'retry_count', type: 'integer' },
  { name: 'last_seen_at', type: 'timestamptz' },
  { name: 'notes', type: 'text' },
  { name: 'slug', type: 'varchar(120)' },
  { name: 'source', type: 'text' },
  { name: 'version', type: 'integer' },
  { name: 'is_active', type: 'boolean' },
  { name: 'expires_at', type: 'timestamptz' },
  { name: 'quantity', type: 'integer' },
  { name: 'tags', type: 'text[]' },
];
const PRISMA_COLUMNS: Column[] = [
  { name: 'status', type: 'TEXT' },
  { name: 'email', type: 'TEXT' },
  { name: 'displayName', type: 'TEXT' },
  { name: 'externalId', type: 'TEXT' },
  { name: 'amount', type: 'DECIMAL(65,30)' },
  { name: 'currency', type: 'TEXT' },
  { name: 'metadata', type: 'JSONB' },
  { name: 'archivedAt', type: 'TIMESTAMP(3)' },
  { name: 'deletedAt', type: 'TIMESTAMP(3)' },
  { name: 'priority', type: 'INTEGER' },
  { name: 'region', type: 'TEXT' },
  { name: 'locale', type: 'TEXT' },
  { name: 'retryCount', type: 'INTEGER' },
  { name: 'lastSeenAt', type: 'TIMESTAMP(3)' },
  { name: 'notes', type: 'TEXT' },
  { name: 'slug', type: 'TEXT' },
  { name: 'isActive', type: 'BOOLEAN' },
  { name: 'expiresAt', type: 'TIMESTAMP(3)' },
  { name: 'quantity', type: 'INTEGER' },
  { name: 'tags', type: 'TEXT[]' },
];

const pascal = (snake: string) => snake.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
const camel = (snake: string) => {
  const p = pascal(snake);
  return p[0].toLowerCase() + p.slice(1);
};
const plural = (w: string) => (w.endsWith('s') ? `${w}es` : w.endsWith('y') ? `${w.slice(0, -1)}ies` : `${w}s`);

class Schema {
  readonly hand: Table[] = [];
  readonly prisma: Table[] = [];
  readonly enums: { name: string; values: string[]; prisma: boolean }[] = [];
  readonly functions: string[] = ['set_updated_at', 'audit_row_change'];
  private readonly used = new Set<string>();
  private serial = 0;

  constructor(private readonly rnd: Random) {
    // An established project: a few tables exist before the first generated migration.
    for (const noun of ['user', 'account', 'order', 'product']) {
      this.used.add(noun);
      this.hand.push(this.handTable(noun));
      this.prisma.push(this.prismaTable(noun));
    }
  }

  private uniqueNoun(): string {
    for (let attempt = 0; attempt < 20; attempt++) {
      const noun = attempt < 3 ? this.rnd.pick(NOUNS) : `${this.rnd.pick(QUALIFIERS)}_${this.rnd.pick(NOUNS)}`;
      if (!this.used.has(noun)) {
        this.used.add(noun);
        return noun;
      }
    }
    const noun = `${this.rnd.pick(NOUNS)}_${++this.serial}`;
    this.used.add(noun);
    return noun;
  }

  private baseColumns(prisma: boolean): Column[] {
    const pool = prisma ? PRISMA_COLUMNS : HAND_COLUMNS;
    return this.rnd.sample(pool, this.rnd.int(2, 7));
  }

  handTable(noun = this.uniqueNoun()): Table {
    const name = plural(noun);
    const schema = this.rnd.chance(0.2) ? `${this.rnd.pick(SCHEMAS)}.` : '';
    return { ref: `${schema}${name}`, name, columns: this.baseColumns(false), constraints: [] };
  }

  prismaTable(noun = this.uniqueNoun()): Table {
    const name = pascal(noun);
    return { ref: `"${name}"`, name, columns: this.baseColumns(true), constraints: [] };
  }

  /** A table to alter or index: one created in this file half the time (if `local` allows), else a recent one. */
  target(prisma: boolean, local: Table[]): Table {
    if (local.length > 0 && this.rnd.chance(0.5)) return this.rnd.pick(local);
    const created = new Set(local);
    const all = (prisma ? this.prisma : this.hand).filter((t) => !created.has(t));
    return all[Math.max(0, all.length - 1 - Math.floor(Math.abs(this.rnd.next() - this.rnd.next()) * all.length))];
  }

  other(prisma: boolean, not: Table): Table {
    const all = prisma ? this.prisma : this.hand;
    const choices = all.filter((t) => t !== not);
    return choices.length ? this.rnd.pick(choices) : not;
  }
}

// ---------------------------------------------------------------------------------------------
// Prisma style

interface Piece {
  rank: number;
  text: string;
}

function renderPrisma(cats: Category[], schema: Schema, rnd: Random): { text: string; name: string } {
  const local: Table[] = [];
  const pieces: Piece[] = [];
  const order: Category[] = ['enum', 'create-table', 'alter-table', 'create-index'];
  const sorted = [...cats].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  let name = '';
  for (const c of sorted) {
    const p = prismaStatement(c, schema, local, rnd);
    name ||= p.name;
    pieces.push(p);
  }
  pieces.sort((a, b) => a.rank - b.rank);
  return { text: pieces.map((p) => p.text).join('\n\n') + '\n', name };
}

function prismaStatement(c: Category, schema: Schema, local: Table[], rnd: Random): Piece & { name: string } {
  switch (c) {
    case 'enum': {
      const existing = schema.enums.filter((e) => e.prisma);
      if (existing.length > 0 && rnd.chance(0.4)) {
        const e = rnd.pick(existing);
        const value = `${rnd.pick(['ARCHIVED', 'PENDING_REVIEW', 'SUSPENDED', 'REFUNDED', 'EXPIRED', 'ON_HOLD'])}_${e.values.length}`;
        e.values.push(value);
        return { rank: 1, name: `alter_${e.name}`, text: `-- AlterEnum\nALTER TYPE "${e.name}" ADD VALUE '${value}';` };
      }
      const name = `${pascal(rnd.pick(NOUNS))}${rnd.pick(['Status', 'Kind', 'Role', 'State', 'Tier'])}${schema.enums.length}`;
      const values = rnd.sample(['ACTIVE', 'INACTIVE', 'PENDING', 'FAILED', 'COMPLETED', 'CANCELLED', 'DRAFT', 'OWNER', 'ADMIN', 'MEMBER'], rnd.int(2, 6));
      schema.enums.push({ name, values, prisma: true });
      return { rank: 0, name: `add_${name}`, text: `-- CreateEnum\nCREATE TYPE "${name}" AS ENUM (${values.map((v) => `'${v}'`).join(', ')});` };
    }
    case 'create-table': {
      const t = schema.prismaTable();
      const idType = rnd.chance(0.6) ? 'TEXT' : 'SERIAL';
      const lines = [`    "id" ${idType} NOT NULL,`];
      const parent = rnd.chance(0.7) ? schema.other(true, t) : undefined;
      if (parent) {
        const fk = { name: `${camel(parent.name.replace(/^[A-Z]/, (m) => m.toLowerCase()))}Id`, type: 'TEXT' };
        t.columns.unshift(fk);
      }
      for (const col of t.columns) {
        const nullable = rnd.chance(0.4);
        const dflt = col.type === 'BOOLEAN' ? ' DEFAULT false' : col.type === 'JSONB' && !nullable ? ` DEFAULT '{}'` : '';
        lines.push(`    "${col.name}" ${col.type}${nullable ? '' : ' NOT NULL'}${dflt},`);
      }
      lines.push(`    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,`, `    "updatedAt" TIMESTAMP(3) NOT NULL,`, '');
      lines.push(`    CONSTRAINT "${t.name}_pkey" PRIMARY KEY ("id")`);
      t.columns.push({ name: 'createdAt', type: 'TIMESTAMP(3)' }, { name: 'updatedAt', type: 'TIMESTAMP(3)' });
      schema.prisma.push(t);
      local.push(t);
      return { rank: 3, name: `create_${t.name}`, text: `-- CreateTable\nCREATE TABLE ${t.ref} (\n${lines.join('\n')}\n);` };
    }
    case 'create-index': {
      const t = schema.target(true, local);
      const cols = rnd.sample(t.columns, rnd.chance(0.25) ? 2 : 1).map((c) => c.name);
      const unique = rnd.chance(0.3);
      const idx = `${t.name}_${cols.join('_')}_${unique ? 'key' : 'idx'}`;
      const using = !unique && t.columns.some((c) => c.name === cols[0] && c.type === 'JSONB') ? ' USING GIN' : '';
      return {
        rank: 4,
        name: `add_${idx}`,
        text: `-- CreateIndex\nCREATE ${unique ? 'UNIQUE ' : ''}INDEX "${idx}" ON ${t.ref}${using}(${cols.map((c) => `"${c}"`).join(', ')});`,
      };
    }
    default: {
      // alter-table. Prisma never alters a table it creates in the same migration, except to add
      // foreign keys once every table exists.
      const v = rnd.weighted([
        ['add-column', 30],
        ['add-fk', 22],
        ['drop-fk', 6],
        ['drop-column', 8],
        ['set-not-null', 8],
        ['set-type', 7],
        ['default', 7],
        ['multi', 8],
        ['rename-constraint', 4],
      ] as const);
      const t = v === 'add-fk' ? schema.target(true, local) : schema.target(true, []);
      const col = rnd.pick(t.columns);
      switch (v) {
        case 'add-column': {
          const base = rnd.pick(PRISMA_COLUMNS);
          const add = { ...base, name: `${base.name}${rnd.int(2, 99)}` };
          t.columns.push(add);
          const notNull = rnd.chance(0.3);
          const dflt = notNull ? (add.type === 'BOOLEAN' ? ' NOT NULL DEFAULT false' : add.type === 'INTEGER' ? ' NOT NULL DEFAULT 0' : ' NOT NULL') : '';
          return { rank: 2, name: `add_${add.name}`, text: `-- AlterTable\nALTER TABLE ${t.ref} ADD COLUMN     "${add.name}" ${add.type}${dflt};` };
        }
        case 'add-fk': {
          const parent = schema.other(true, t);
          const fkCol = `${camel(parent.name.replace(/^[A-Z]/, (m) => m.toLowerCase()))}Id`;
          const cname = `${t.name}_${fkCol}_fkey`;
          t.constraints.push(cname);
          const onDelete = rnd.pick(['RESTRICT', 'CASCADE', 'SET NULL']);
          return {
            rank: 5,
            name: `add_${cname}`,
            text: `-- AddForeignKey\nALTER TABLE ${t.ref} ADD CONSTRAINT "${cname}" FOREIGN KEY ("${fkCol}") REFERENCES ${parent.ref}("id") ON DELETE ${onDelete} ON UPDATE CASCADE;`,
          };
        }
        case 'drop-fk': {
          const cname = t.constraints.pop() ?? `${t.name}_${col.name}_fkey`;
          return { rank: 1, name: `drop_${cname}`, text: `-- DropForeignKey\nALTER TABLE ${t.ref} DROP CONSTRAINT "${cname}";` };
        }
        case 'drop-column':
          return { rank: 2, name: `drop_${col.name}`, text: `-- AlterTable\nALTER TABLE ${t.ref} DROP COLUMN "${col.name}";` };
        case 'set-not-null':
          return { rank: 2, name: `require_${col.name}`, text: `-- AlterTable\nALTER TABLE ${t.ref} ALTER COLUMN "${col.name}" SET NOT NULL;` };
        case 'set-type':
          return {
            rank: 2,
            name: `change_${col.name}`,
            text: `-- AlterTable\nALTER TABLE ${t.ref} ALTER COLUMN "${col.name}" SET DATA TYPE ${rnd.pick(['TEXT', 'VARCHAR(255)', 'BIGINT', 'DECIMAL(12,2)', 'TIMESTAMPTZ(3)'])};`,
          };
        case 'default':
          return {
            rank: 2,
            name: `default_${col.name}`,
            text: rnd.chance(0.5)
              ? `-- AlterTable\nALTER TABLE ${t.ref} ALTER COLUMN "${col.name}" DROP DEFAULT;`
              : `-- AlterTable\nALTER TABLE ${t.ref} ALTER COLUMN "updatedAt" SET DEFAULT CURRENT_TIMESTAMP;`,
          };
        case 'multi': {
          const add = `${rnd.pick(PRISMA_COLUMNS).name}${rnd.int(2, 99)}`;
          t.columns.push({ name: add, type: 'TEXT' });
          return {
            rank: 2,
            name: `alter_${t.name}`,
            text: `-- AlterTable\nALTER TABLE ${t.ref} DROP COLUMN "${col.name}",\nADD COLUMN     "${add}" TEXT,\nALTER COLUMN "updatedAt" DROP DEFAULT;`,
          };
        }
        default:
          return { rank: 2, name: `rename_${t.name}`, text: `-- AlterTable\nALTER TABLE ${t.ref} RENAME CONSTRAINT "${t.name}_pkey" TO "${t.name}_pkey${rnd.int(2, 9)}";` };
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Hand-written style

const ROLES = ['app_readonly', 'app_readwrite', 'reporting', 'service_worker'];

function renderHand(cats: Category[], transaction: boolean, schema: Schema, rnd: Random): { text: string; name: string } {
  const local: Table[] = [];
  const order: Category[] = ['set', 'enum', 'create-table', 'function', 'alter-table', 'create-index', 'trigger', 'view', 'do', 'insert', 'update', 'comment', 'grant'];
  const sorted = [...cats].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const pieces: Piece[] = [];
  let name = '';
  // Every hand-written file has PL/pgSQL: a DO block, or else its first function is plpgsql.
  const file = { transaction, plpgsql: cats.includes('do') };
  for (const c of sorted) {
    const p = handStatement(c, schema, local, rnd, file);
    if (c !== 'set' && c !== 'grant' && c !== 'comment') name ||= p.name;
    pieces.push(p);
  }
  name ||= 'permissions';
  pieces.sort((a, b) => a.rank - b.rank);
  const header = `-- ${name.replace(/_/g, ' ')}\n-- Written by hand; reviewed in #${rnd.int(100, 9999)}.\n`;
  const body = pieces.map((p) => p.text).join('\n\n');
  return { text: transaction ? `${header}\nBEGIN;\n\n${body}\n\nCOMMIT;\n` : `${header}\n${body}\n`, name };
}

function handStatement(c: Category, schema: Schema, local: Table[], rnd: Random, file: { transaction: boolean; plpgsql: boolean }): Piece & { name: string } {
  switch (c) {
    case 'set': {
      const s = rnd.pick([`SET lock_timeout = '${rnd.pick([2, 3, 5, 10])}s';`, `SET statement_timeout = '${rnd.pick([30, 60, 300])}s';`, `SET search_path TO ${rnd.pick(SCHEMAS)}, public;`]);
      return { rank: 0, name: 'session_settings', text: s };
    }
    case 'enum': {
      const existing = schema.enums.filter((e) => !e.prisma);
      if (existing.length > 0 && rnd.chance(0.4)) {
        const e = rnd.pick(existing);
        const value = `${rnd.pick(['archived', 'on_hold', 'refunded', 'expired', 'escalated'])}_${e.values.length}`;
        e.values.push(value);
        return { rank: 1, name: `extend_${e.name}`, text: `ALTER TYPE ${e.name} ADD VALUE IF NOT EXISTS '${value}';` };
      }
      const name = `${rnd.pick(NOUNS)}_${rnd.pick(['status', 'kind', 'state', 'tier'])}_${schema.enums.length}`;
      const values = rnd.sample(['active', 'inactive', 'pending', 'failed', 'completed', 'cancelled', 'draft', 'queued'], rnd.int(2, 6));
      schema.enums.push({ name, values, prisma: false });
      return { rank: 1, name: `add_${name}`, text: `CREATE TYPE ${name} AS ENUM (${values.map((v) => `'${v}'`).join(', ')});` };
    }
    case 'create-table': {
      const t = schema.handTable();
      const uuid = rnd.chance(0.4);
      const lines = [uuid ? '    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),' : '    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,'];
      const parent = rnd.chance(0.6) ? schema.other(false, t) : undefined;
      if (parent) {
        const fk = `${parent.name.replace(/s$/, '')}_id`;
        lines.push(`    ${fk} bigint NOT NULL REFERENCES ${parent.ref} (id) ON DELETE ${rnd.pick(['CASCADE', 'RESTRICT', 'SET NULL'])},`);
        t.columns.unshift({ name: fk, type: 'bigint' });
      }
      for (const col of t.columns.slice(parent ? 1 : 0)) {
        let extra = '';
        if (col.type === 'bigint' || col.type === 'integer') extra = rnd.chance(0.4) ? ` NOT NULL DEFAULT 0 CHECK (${col.name} >= 0)` : '';
        else if (col.type === 'jsonb') extra = ` NOT NULL DEFAULT '{}'::jsonb`;
        else if (col.type === 'boolean') extra = ' NOT NULL DEFAULT true';
        else if (col.name === 'status') extra = ` NOT NULL DEFAULT 'pending'`;
        lines.push(`    ${col.name} ${col.type}${extra},`);
      }
      lines.push('    created_at timestamptz NOT NULL DEFAULT now(),', '    updated_at timestamptz NOT NULL DEFAULT now()');
      if (rnd.chance(0.3) && t.columns.some((col) => col.name === 'slug')) lines[lines.length - 1] += ',\n    UNIQUE (slug)';
      t.columns.push({ name: 'created_at', type: 'timestamptz' }, { name: 'updated_at', type: 'timestamptz' });
      schema.hand.push(t);
      local.push(t);
      return { rank: 2, name: `create_${t.name}`, text: `CREATE TABLE IF NOT EXISTS ${t.ref} (\n${lines.join('\n')}\n);` };
    }
    case 'function': {
      const t = schema.target(false, local);
      const v = rnd.weighted([
        ['updated-at', 3],
        ['audit', 3],
        ['sql', file.plpgsql ? 2 : 0],
        ['guard', 2],
      ] as const);
      if (v !== 'sql') file.plpgsql = true;
      const fname = `${t.name}_${v.replace('-', '_')}_${rnd.int(1, 999)}`;
      schema.functions.push(fname);
      const text =
        v === 'updated-at'
          ? `CREATE OR REPLACE FUNCTION ${fname}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;`
          : v === 'audit'
            ? `CREATE OR REPLACE FUNCTION ${fname}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    payload jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        payload := to_jsonb(OLD);
    ELSE
        payload := to_jsonb(NEW);
    END IF;
    INSERT INTO audit_events (table_name, operation, row_data, occurred_at)
    VALUES (TG_TABLE_NAME, TG_OP, payload, now());
    RETURN COALESCE(NEW, OLD);
END;
$$;`
            : v === 'sql'
              ? `CREATE OR REPLACE FUNCTION ${fname}(p_id bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM ${t.ref} WHERE id = p_id AND created_at > now() - interval '30 days'
$$;`
              : `CREATE OR REPLACE FUNCTION ${fname}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'created_at of % is immutable', TG_TABLE_NAME USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;`;
      return { rank: 3, name: `add_${fname}`, text };
    }
    case 'alter-table': {
      const t = schema.target(false, local);
      const col = rnd.pick(t.columns);
      const v = rnd.weighted([
        ['add-column', 28],
        ['add-column-default', 10],
        ['check-not-valid', 8],
        ['validate', 6],
        ['fk-not-valid', 8],
        ['set-not-null', 8],
        ['type', 6],
        ['default', 6],
        ['drop-column', 7],
        ['rename', 5],
        ['rls', 3],
        ['storage', 3],
        ['owner', 2],
      ] as const);
      const name = `alter_${t.name}`;
      switch (v) {
        case 'add-column': {
          const base = rnd.pick(HAND_COLUMNS);
          const add = { ...base, name: `${base.name}_${rnd.int(2, 99)}` };
          t.columns.push(add);
          return { rank: 4, name: `add_${add.name}`, text: `ALTER TABLE ${t.ref} ADD COLUMN IF NOT EXISTS ${add.name} ${add.type};` };
        }
        case 'add-column-default': {
          const add = `${rnd.pick(['is_verified', 'is_enabled', 'is_internal'])}_${rnd.int(2, 99)}`;
          t.columns.push({ name: add, type: 'boolean' });
          return { rank: 4, name: `add_${add}`, text: `ALTER TABLE ${t.ref}\n    ADD COLUMN ${add} boolean NOT NULL DEFAULT false;` };
        }
        case 'check-not-valid': {
          const cname = `${t.name}_${col.name}_check`;
          t.constraints.push(cname);
          return { rank: 4, name: `add_${cname}`, text: `ALTER TABLE ${t.ref}\n    ADD CONSTRAINT ${cname} CHECK (${col.name} IS NOT NULL) NOT VALID;` };
        }
        case 'validate': {
          const cname = t.constraints[t.constraints.length - 1] ?? `${t.name}_${col.name}_check`;
          return { rank: 4.5, name: `validate_${cname}`, text: `ALTER TABLE ${t.ref} VALIDATE CONSTRAINT ${cname};` };
        }
        case 'fk-not-valid': {
          const parent = schema.other(false, t);
          const fk = `${parent.name.replace(/s$/, '')}_id`;
          const cname = `${t.name}_${fk}_fkey`;
          t.constraints.push(cname);
          return {
            rank: 4,
            name: `add_${cname}`,
            text: `ALTER TABLE ${t.ref}\n    ADD CONSTRAINT ${cname} FOREIGN KEY (${fk}) REFERENCES ${parent.ref} (id)${rnd.chance(0.6) ? ' NOT VALID' : ''};`,
          };
        }
        case 'set-not-null':
          return { rank: 4, name: `require_${col.name}`, text: `ALTER TABLE ${t.ref} ALTER COLUMN ${col.name} SET NOT NULL;` };
        case 'type':
          return {
            rank: 4,
            name: `widen_${col.name}`,
            text: `ALTER TABLE ${t.ref} ALTER COLUMN ${col.name} TYPE ${rnd.pick(['text', 'bigint', 'varchar(255)', 'numeric(12,2)'])} USING ${col.name}::${rnd.pick(['text', 'bigint'])};`,
          };
        case 'default':
          return { rank: 4, name: `default_${col.name}`, text: `ALTER TABLE ${t.ref} ALTER COLUMN ${col.name} SET DEFAULT ${rnd.pick(["''", '0', 'now()', 'NULL'])};` };
        case 'drop-column':
          return { rank: 4, name: `drop_${col.name}`, text: `ALTER TABLE ${t.ref} DROP COLUMN IF EXISTS ${col.name};` };
        case 'rename': {
          const to = `${col.name}_old`;
          return { rank: 4, name: `rename_${col.name}`, text: `ALTER TABLE ${t.ref} RENAME COLUMN ${col.name} TO ${to};` };
        }
        case 'rls':
          return { rank: 4, name, text: `ALTER TABLE ${t.ref} ENABLE ROW LEVEL SECURITY;` };
        case 'storage':
          return { rank: 4, name, text: `ALTER TABLE ${t.ref} SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.01);` };
        default:
          return { rank: 4, name, text: `ALTER TABLE ${t.ref} OWNER TO app_owner;` };
      }
    }
    case 'create-index': {
      const t = schema.target(false, local);
      const col = rnd.pick(t.columns);
      const concurrently = !file.transaction && rnd.chance(0.7) ? ' CONCURRENTLY' : '';
      const v = rnd.weighted([
        ['plain', 5],
        ['partial', 2],
        ['unique', 2],
        ['expression', 1],
        ['gin', 1],
        ['multi', 2],
      ] as const);
      const idx = `${t.name}_${col.name}_${v === 'unique' ? 'key' : 'idx'}`;
      const text =
        v === 'plain'
          ? `CREATE INDEX${concurrently} IF NOT EXISTS ${idx} ON ${t.ref} (${col.name});`
          : v === 'partial'
            ? `CREATE INDEX${concurrently} IF NOT EXISTS ${idx}\n    ON ${t.ref} (${col.name}, created_at DESC)\n    WHERE deleted_at IS NULL;`
            : v === 'unique'
              ? `CREATE UNIQUE INDEX${concurrently} IF NOT EXISTS ${idx} ON ${t.ref} (${col.name});`
              : v === 'expression'
                ? `CREATE INDEX${concurrently} IF NOT EXISTS ${idx} ON ${t.ref} (lower(${col.name}::text));`
                : v === 'gin'
                  ? `CREATE INDEX${concurrently} IF NOT EXISTS ${idx} ON ${t.ref} USING gin (${col.name});`
                  : `CREATE INDEX${concurrently} IF NOT EXISTS ${idx} ON ${t.ref} (${col.name}, id) INCLUDE (created_at);`;
      return { rank: 5, name: `index_${col.name}`, text };
    }
    case 'trigger': {
      const t = schema.target(false, local);
      const fn = rnd.pick(schema.functions);
      const audit = fn.includes('audit');
      return {
        rank: 6,
        name: `trigger_${t.name}`,
        text: audit
          ? `CREATE TRIGGER ${t.name}_audit_${rnd.int(1, 999)}\n    AFTER INSERT OR UPDATE OR DELETE ON ${t.ref}\n    FOR EACH ROW EXECUTE FUNCTION ${fn}();`
          : `CREATE TRIGGER ${t.name}_before_update_${rnd.int(1, 999)}\n    BEFORE UPDATE ON ${t.ref}\n    FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
      };
    }
    case 'view': {
      const t = schema.target(false, local);
      const cols = rnd.sample(t.columns, rnd.int(1, 3)).map((col) => col.name);
      const text = rnd.chance(0.7)
        ? `CREATE OR REPLACE VIEW ${t.name}_recent_${rnd.int(1, 999)} AS\nSELECT id, ${cols.join(', ')}, created_at\nFROM ${t.ref}\nWHERE created_at > now() - interval '${rnd.pick([7, 30, 90])} days';`
        : `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.name}_daily_${rnd.int(1, 999)} AS\nSELECT date_trunc('day', created_at) AS day, count(*) AS total\nFROM ${t.ref}\nGROUP BY 1\nWITH NO DATA;`;
      return { rank: 7, name: `view_${t.name}`, text };
    }
    case 'do': {
      const t = schema.target(false, local);
      const col = rnd.pick(t.columns);
      const v = rnd.weighted([
        ['role', 2],
        ['backfill', 3],
        ['guarded-constraint', 2],
      ] as const);
      const role = rnd.pick(ROLES);
      const text =
        v === 'role'
          ? `DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
        CREATE ROLE ${role} NOLOGIN;
    END IF;
END
$$;`
          : v === 'backfill'
            ? `DO $$
DECLARE
    batch_size integer := ${rnd.pick([1000, 5000, 10000])};
    updated integer;
BEGIN
    LOOP
        UPDATE ${t.ref}
        SET ${col.name} = DEFAULT
        WHERE id IN (SELECT id FROM ${t.ref} WHERE ${col.name} IS NULL LIMIT batch_size);
        GET DIAGNOSTICS updated = ROW_COUNT;
        EXIT WHEN updated = 0;
        PERFORM pg_sleep(0.1);
    END LOOP;
END
$$;`
            : `DO $$
BEGIN
    ALTER TABLE ${t.ref} ADD CONSTRAINT ${t.name}_${col.name}_present CHECK (${col.name} IS NOT NULL) NOT VALID;
EXCEPTION
    WHEN duplicate_object THEN
        RAISE NOTICE 'constraint already exists, skipping';
END
$$;`;
      return { rank: v === 'role' ? 0.5 : 8, name: `do_${v.replace('-', '_')}`, text };
    }
    case 'insert': {
      const v = rnd.weighted([
        ['flags', 3],
        ['select', 2],
        ['lookup', 2],
      ] as const);
      if (v === 'flags') {
        const rows = Array.from({ length: rnd.int(1, 5) }, (_, i) => `    ('${rnd.pick(['checkout', 'search', 'billing', 'export'])}_${rnd.pick(['v2', 'beta', 'rollout'])}_${rnd.int(1, 999)}_${i}', ${rnd.chance(0.5)}, 'Created by migration')`);
        return { rank: 9, name: 'seed_feature_flags', text: `INSERT INTO feature_flags (key, enabled, description)\nVALUES\n${rows.join(',\n')}\nON CONFLICT (key) DO NOTHING;` };
      }
      const t = schema.target(false, local);
      if (v === 'select') {
        const src = schema.other(false, t);
        return {
          rank: 9,
          name: `copy_${src.name}`,
          text: `INSERT INTO ${t.ref} (id, created_at)\nSELECT id, created_at FROM ${src.ref}\nWHERE created_at >= '2024-01-01'\nON CONFLICT DO NOTHING;`,
        };
      }
      return {
        rank: 9,
        name: `seed_${t.name}`,
        text: `INSERT INTO ${t.ref} (${t.columns[0].name}) VALUES (DEFAULT);`,
      };
    }
    case 'update': {
      const t = schema.target(false, local);
      const col = rnd.pick(t.columns);
      const v = rnd.weighted([
        ['simple', 3],
        ['batched', 2],
        ['join', 2],
      ] as const);
      const src = schema.other(false, t);
      const text =
        v === 'simple'
          ? `UPDATE ${t.ref} SET ${col.name} = DEFAULT WHERE ${col.name} IS NULL;`
          : v === 'batched'
            ? `UPDATE ${t.ref}\nSET updated_at = now()\nWHERE id IN (\n    SELECT id FROM ${t.ref} WHERE updated_at < now() - interval '1 year' ORDER BY id LIMIT 10000\n);`
            : `UPDATE ${t.ref} AS t\nSET updated_at = s.updated_at\nFROM ${src.ref} AS s\nWHERE s.id = t.id AND s.updated_at > t.updated_at;`;
      return { rank: 10, name: `backfill_${col.name}`, text };
    }
    case 'comment': {
      const t = schema.target(false, local);
      const col = rnd.pick(t.columns);
      const text = rnd.chance(0.3)
        ? `COMMENT ON TABLE ${t.ref} IS 'One row per ${t.name.replace(/s$/, '')}; owned by the ${rnd.pick(['billing', 'growth', 'platform', 'core'])} team.';`
        : `COMMENT ON COLUMN ${t.ref}.${col.name} IS '${rnd.pick(['Set by the sync job', 'Nullable until the backfill completes', 'ISO 4217 code', 'Soft delete marker', "Don''t read directly; use the view"])}';`;
      return { rank: 11, name: `document_${t.name}`, text };
    }
    case 'grant': {
      const t = schema.target(false, local);
      const v = rnd.weighted([
        ['select', 4],
        ['rw', 3],
        ['sequence', 1],
        ['schema', 1],
        ['revoke', 1],
      ] as const);
      const text =
        v === 'select'
          ? `GRANT SELECT ON ${t.ref} TO ${rnd.pick(['app_readonly', 'reporting'])};`
          : v === 'rw'
            ? `GRANT SELECT, INSERT, UPDATE, DELETE ON ${t.ref} TO app_readwrite;`
            : v === 'sequence'
              ? `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO app_readwrite;`
              : v === 'schema'
                ? `GRANT USAGE ON SCHEMA ${rnd.pick(SCHEMAS)} TO ${rnd.pick(ROLES)};`
                : `REVOKE ALL ON ${t.ref} FROM PUBLIC;`;
      return { rank: 12, name: `grant_${t.name}`, text };
    }
    default:
      throw new Error(`no hand-written renderer for ${c}`);
  }
}
