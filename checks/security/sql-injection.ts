import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';
import { callee, enclosingFunction, isConstant, lastSegment, unwrap } from '../../src/analyzers/code/ast.js';
import { taintOf } from '../../src/analyzers/code/taint.js';

// Methods that take raw SQL text. `query`/`execute` are generic names, so they also need SQL-looking text.
const RAW_SINKS = new Set(['raw', 'whereRaw', 'orWhereRaw', 'havingRaw', 'orHavingRaw', 'orderByRaw', 'joinRaw', 'groupByRaw', 'fromRaw', '$queryRawUnsafe', '$executeRawUnsafe', 'unsafe']);
const GENERIC_SINKS = new Set(['query', 'execute']);
const DB_RECEIVER = /pool|client|db|conn|connection|knex|sequelize|manager|datasource|queryrunner|trx|tx|pg|mysql|database|sql|prisma|repo|repository|entitymanager/i;
const SQL_TEXT = /\b(?:select\b[\s\S]*\bfrom|insert\s+into|update\b[\s\S]*\bset|delete\s+from|with\b[\s\S]*\bas\s*\(|\b(?:where|order\s+by|group\s+by|values)\b)/i;

interface Piece {
  /** The static SQL text around the interpolations. */
  text: string;
  parts: { expr: ts.Expression; quoted: boolean }[];
}

/** The pieces a query string is built from: the expression itself, or a local variable's initializer and `+=`/`=` assignments. */
function pieces(arg: ts.Expression, file: CodeFile): { pieces: Piece[]; built: boolean } {
  const out: Piece[] = [];
  const collect = (e: ts.Expression): void => {
    e = unwrap(e);
    const piece: Piece = { text: '', parts: [] };
    const flatten = (x: ts.Expression, before: () => string): void => {
      x = unwrap(x);
      if (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.PlusToken) {
        flatten(x.left, before);
        flatten(x.right, () => piece.text);
        return;
      }
      if (ts.isStringLiteralLike(x)) {
        piece.text += x.text;
        return;
      }
      // ['SELECT …', `WHERE … ${x}`].join('\n')
      if (ts.isCallExpression(x) && ts.isPropertyAccessExpression(x.expression) && x.expression.name.text === 'join' && ts.isArrayLiteralExpression(unwrap(x.expression.expression))) {
        const sep = x.arguments[0] && ts.isStringLiteralLike(x.arguments[0]) ? x.arguments[0].text : ',';
        (unwrap(x.expression.expression) as ts.ArrayLiteralExpression).elements.forEach((el, i) => {
          if (i > 0) piece.text += sep;
          flatten(el, () => piece.text);
        });
        return;
      }
      if (ts.isTemplateExpression(x)) {
        piece.text += x.head.text;
        for (const span of x.templateSpans) {
          const quoted = /['"%]$/.test(piece.text) && /^['"%]/.test(span.literal.text);
          piece.parts.push({ expr: span.expression, quoted });
          piece.text += `$x${span.literal.text}`;
        }
        return;
      }
      const quoted = /'$/.test(before());
      piece.parts.push({ expr: x, quoted });
      piece.text += '$x';
    };
    flatten(e, () => piece.text);
    // A concatenation's right-hand quote: "... = '" + x + "'"
    out.push(piece);
  };
  const a = unwrap(arg);
  if (ts.isIdentifier(a)) {
    const fn = enclosingFunction(a) ?? file.sourceFile;
    let built = false;
    const visit = (n: ts.Node): void => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === a.text && n.initializer) {
        collect(n.initializer);
        built = true;
      }
      if (ts.isBinaryExpression(n) && ts.isIdentifier(n.left) && n.left.text === a.text && (n.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken || n.operatorToken.kind === ts.SyntaxKind.EqualsToken)) {
        collect(n.right);
        built = true;
      }
      ts.forEachChild(n, visit);
    };
    visit(fn);
    return { pieces: out, built };
  }
  collect(a);
  return { pieces: out, built: ts.isTemplateExpression(a) || ts.isBinaryExpression(a) };
}

export default defineRule({
  meta: {
    id: 'security/sql-injection',
    area: 'security',
    severity: 'error',
    title: 'SQL built from request input',
    guidance: 'Security Reference › Injection Prevention Checklist',
    checklist: ['security.parameterized-queries', 'security.injection'],
    description:
      'A query string assembled with a template literal or `+` from request input lets a caller change the statement itself: read other tenants’ rows, bypass a login, or drop data. Pass values as bind parameters (`$1` with pg, `?` with mysql2 and Knex, `replacements`/`bind` with Sequelize, `$queryRaw` tagged templates with Prisma) and choose identifiers such as sort columns from a fixed allowlist. Values quoted into SQL text (`\'${x}\'`) are flagged whatever their origin.',
    examples: {
      bad: [
        {
          path: 'src/routes/users.ts',
          code: [
            "import { Router } from 'express';",
            "import { pool } from '../db';",
            '',
            'export const users = Router();',
            '',
            "users.get('/search', async (req, res) => {",
            '  const { email } = req.query;',
            "  let sql = 'SELECT id, email FROM users';",
            "  sql += ` WHERE email = '${email}'`;",
            '  const { rows } = await pool.query(sql);',
            '  res.json(rows);',
            '});',
            '',
          ].join('\n'),
        },
        {
          path: 'src/repositories/orders.ts',
          code: [
            "import { PrismaClient } from '@prisma/client';",
            'const prisma = new PrismaClient();',
            '',
            'export function ordersByStatus(status: string) {',
            '  return prisma.$queryRawUnsafe(`SELECT * FROM orders WHERE status = \'${status}\'`);',
            '}',
            '',
          ].join('\n'),
        },
      ],
      good: [
        {
          path: 'src/routes/users.ts',
          code: [
            "import { Router } from 'express';",
            "import { pool } from '../db';",
            '',
            'export const users = Router();',
            '',
            "users.get('/search', async (req, res) => {",
            '  const { email } = req.query;',
            "  const { rows } = await pool.query('SELECT id, email FROM users WHERE email = $1', [email]);",
            '  res.json(rows);',
            '});',
            '',
          ].join('\n'),
        },
        {
          path: 'src/repositories/orders.ts',
          code: [
            "import { PrismaClient } from '@prisma/client';",
            'const prisma = new PrismaClient();',
            "const SORTABLE = { created: 'created_at', total: 'total_cents' } as const;",
            '',
            'export function ordersByStatus(status: string, sort: keyof typeof SORTABLE) {',
            '  const column = SORTABLE[sort];',
            '  return prisma.$queryRaw`SELECT * FROM orders WHERE status = ${status}`;',
            '}',
            '',
          ].join('\n'),
          note: 'Tagged templates such as Prisma `$queryRaw` and `sql`/slonik/postgres.js tags send values as bind parameters.',
        },
      ],
    },
  },
  code: {
    kinds: ['CallExpression'],
    visit(node, ctx) {
      const call = node as ts.CallExpression;
      const c = callee(call);
      if (!c || call.arguments.length === 0) return;
      const raw = RAW_SINKS.has(c.name);
      if ((!raw && !GENERIC_SINKS.has(c.name)) || !c.receiverNode) return;
      if (c.name === 'unsafe' && !/sql|postgres|db/i.test(lastSegment(c.receiver) ?? '')) return;
      const arg = call.arguments[0];
      if (ts.isTaggedTemplateExpression(unwrap(arg))) return;
      const taint = taintOf(ctx.file);
      const { pieces: ps, built } = pieces(arg, ctx.file);
      const text = ps.map((p) => p.text).join(' ');
      const looksSql = SQL_TEXT.test(text);
      if (!raw && !looksSql && !(DB_RECEIVER.test(lastSegment(c.receiver) ?? '') && !built && taint.isTainted(arg))) return;
      const bad = ps.flatMap((p) => p.parts).filter((p) => taint.isTainted(p.expr) || (p.quoted && !isConstant(p.expr, ctx.file)));
      const sink = `${lastSegment(c.receiver)}.${c.name}`;
      const line = ctx.file.lineOf(call);
      if (bad.length === 0) {
        if (!built && taint.isTainted(arg)) {
          ctx.report({
            startLine: line,
            endLine: ctx.file.endLineOf(arg),
            message: `\`${sink}\` runs SQL text that comes straight from the request, so a caller can run any statement against the database. Keep the SQL in the code and pass request values only as bind parameters: \`${sink}('SELECT … WHERE id = $1', [id])\`.`,
          });
        }
        return;
      }
      const first = bad[0];
      const value = first.expr.getText(ctx.file.sourceFile);
      const placeholder = /mysql|knex|sequelize|raw/i.test(`${c.receiver} ${c.name}`) ? '?' : '$1';
      ctx.report({
        startLine: ctx.file.lineOf(first.expr),
        endLine: ctx.file.lineOf(first.expr),
        message:
          `\`${value}\` is ${taint.isTainted(first.expr) ? 'request input ' : ''}written into the SQL text passed to \`${sink}\` (line ${line}), so a crafted value can rewrite the query (SQL injection). ` +
          `Use a bind parameter instead: \`WHERE … = ${placeholder}\` with \`[${value}]\` as the values${c.name === '$queryRawUnsafe' || c.name === '$executeRawUnsafe' ? ', or Prisma’s tagged `$queryRaw`…``' : ''}; take identifiers (columns, sort order) from a fixed allowlist.`,
      });
    },
  },
});
