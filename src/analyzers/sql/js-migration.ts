import { ts } from 'ts-morph';
import type { Config } from '../../config/schema.js';
import type { Migration, MigrationFramework, SqlStatement } from './migration.js';
import { parseSql } from './parse.js';
import type { SqlParseError } from './parse.js';

/**
 * Reads a JS/TS migration (TypeORM, Knex, Sequelize, Kysely, node-pg-migrate) and turns
 * what its `up` step sends to Postgres into SQL statements with the lines they were
 * written on, so the same migration rules apply as to raw SQL.
 */
export function extractJsMigration(path: string, text: string, config: Config): Migration | undefined {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, /\.(js|cjs|mjs)$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const framework = detectFramework(text);
  if (!framework) return undefined;
  const up = findStep(sf, 'up');
  const down = findStep(sf, 'down');
  const statements: SqlStatement[] = [];
  const errors: SqlParseError[] = [];
  if (up) {
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const sqlArg = rawSqlArgument(node);
        if (sqlArg) addSql(sqlArg, sf, statements, errors);
      } else if (ts.isTaggedTemplateExpression(node) && node.tag.getText(sf) === 'sql') {
        addSql(node.template, sf, statements, errors);
      }
      ts.forEachChild(node, visit);
    };
    visit(up);
  }
  statements.forEach((s, i) => (s.index = i));
  return {
    path,
    framework,
    runnerTransaction: runnerTransaction(framework, text, config),
    statements,
    errors,
    lines: text.split(/\r?\n/),
    down: down
      ? { present: true, empty: isEmptyBody(down), line: sf.getLineAndCharacterOfPosition(down.getStart(sf)).line + 1 }
      : { present: false, empty: true },
  };
}

function detectFramework(text: string): MigrationFramework | undefined {
  if (/\bqueryRunner\b|MigrationInterface/.test(text)) return 'typeorm';
  if (/\bqueryInterface\b|\bSequelize\b/.test(text)) return 'sequelize';
  if (/\bpgm\s*\./.test(text)) return 'node-pg-migrate';
  if (/\bKysely\b|from ['"]kysely['"]|\bdb\.schema\b/.test(text)) return 'kysely';
  if (/\bknex\b|\bKnex\b/.test(text)) return 'knex';
  return undefined;
}

/** Whether the framework runs `up` inside a transaction for this file. */
function runnerTransaction(framework: MigrationFramework, text: string, config: Config): boolean {
  switch (framework) {
    case 'knex':
      // Knex wraps each migration unless the file opts out.
      return !/config\s*=\s*\{[^}]*transaction\s*:\s*false/.test(text);
    case 'typeorm':
      // TypeORM's default migrationsTransactionMode is "all"; `transaction = false` opts a migration out.
      return !/transaction\s*=\s*false/.test(text);
    case 'node-pg-migrate':
      return !/pgm\.noTransaction\s*\(/.test(text);
    case 'kysely':
      // Kysely's Migrator wraps migrations in a transaction on dialects with transactional DDL.
      return true;
    default:
      return config.migrations.assume_in_transaction;
  }
}

type Step = ts.FunctionLikeDeclaration | ts.ArrowFunction | ts.FunctionExpression;

/** Finds `exports.up = …`, `export async function up`, `up: async () => …` or a class method `up`. */
function findStep(sf: ts.SourceFile, name: 'up' | 'down'): Step | undefined {
  let found: Step | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name?.getText(sf) === name && node.body) {
      found = node;
      return;
    }
    if (ts.isPropertyAssignment(node) && node.name.getText(sf) === name && isFunction(node.initializer)) {
      found = node.initializer as Step;
      return;
    }
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      node.left.name.text === name &&
      isFunction(node.right)
    ) {
      found = node.right as Step;
      return;
    }
    if (ts.isVariableDeclaration(node) && node.name.getText(sf) === name && node.initializer && isFunction(node.initializer)) {
      found = node.initializer as Step;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function isFunction(node: ts.Node): boolean {
  return ts.isArrowFunction(node) || ts.isFunctionExpression(node);
}

function isEmptyBody(step: Step): boolean {
  const body = step.body;
  if (!body) return true;
  if (ts.isBlock(body)) return body.statements.length === 0;
  return false;
}

const RAW_SQL_CALLS = new Set(['query', 'raw', 'sql', 'schema.raw']);

/** The SQL argument of queryRunner.query(…), knex.raw(…), sequelize.query(…) and pgm.sql(…). */
function rawSqlArgument(call: ts.CallExpression): ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression | undefined {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || !RAW_SQL_CALLS.has(callee.name.text)) return undefined;
  const arg = call.arguments[0];
  if (!arg) return undefined;
  if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg) || ts.isTemplateExpression(arg)) return arg;
  return undefined;
}

/**
 * Parses the SQL in a string or template literal. Interpolations become a placeholder
 * identifier, so `ALTER TABLE ${table} …` still parses. Lines map back to the TS file:
 * a template literal keeps its newlines, so line n of the SQL is line n of the literal.
 */
function addSql(
  literal: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression,
  sf: ts.SourceFile,
  statements: SqlStatement[],
  errors: SqlParseError[],
): void {
  let sql: string;
  if (ts.isTemplateExpression(literal)) {
    sql = literal.head.text + literal.templateSpans.map((span) => `__expr__${span.literal.text}`).join('');
  } else {
    sql = literal.text;
  }
  const firstLine = sf.getLineAndCharacterOfPosition(literal.getStart(sf)).line + 1;
  const parsed = parseSql(sql, firstLine - 1);
  for (const s of parsed.statements) statements.push({ ...s, index: 0 });
  errors.push(...parsed.errors);
}
