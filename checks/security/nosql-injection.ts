import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';
import { callee, constInit, importOf, importsModule, nameOf, unwrap } from '../../src/analyzers/code/ast.js';
import { taintOf, type Taint } from '../../src/analyzers/code/taint.js';

const FILTER_METHODS = new Set([
  'find', 'findOne', 'findOneAndUpdate', 'findOneAndDelete', 'findOneAndReplace', 'findOneAndRemove', 'updateOne', 'updateMany',
  'deleteOne', 'deleteMany', 'replaceOne', 'countDocuments', 'count', 'exists', 'remove',
]);

/**
 * Whether the receiver is a MongoDB collection or Mongoose model (not a service whose
 * `findOne(id)` takes a string): the file uses the driver, or the receiver is a
 * `collection()`/`model()` result, an imported model, or an injected `…Model`.
 */
function mongoReceiver(receiver: ts.Expression, file: CodeFile): boolean {
  if (importsModule(file, /^(?:mongodb|mongoose|@nestjs\/mongoose|@typegoose\/typegoose)$/)) return true;
  const r = unwrap(receiver);
  const fromFactory = (e: ts.Expression | undefined): boolean => {
    const x = e && unwrap(e);
    if (!x || !ts.isCallExpression(x)) return false;
    const c = callee(x);
    return !!c && (c.name === 'collection' || c.name === 'model');
  };
  if (fromFactory(r)) return true;
  if (ts.isIdentifier(r)) {
    if (fromFactory(constInit(file, r.text))) return true;
    const imp = importOf(file, r.text);
    return /^[A-Z]/.test(r.text) && !!imp && /models?(?:\/|$)|schemas?(?:\/|$)/i.test(imp.module);
  }
  if (ts.isPropertyAccessExpression(r)) return /Model$|Collection$|^collection$/.test(r.name.text);
  return false;
}

/** Operators inside a filter object that run code or patterns chosen by the caller. */
function dangerousOperator(obj: ts.ObjectLiteralExpression, taint: Taint, depth = 0): { node: ts.Node; what: string } | undefined {
  if (depth > 4) return undefined;
  for (const p of obj.properties) {
    if (ts.isSpreadAssignment(p) && taint.isTainted(p.expression)) return { node: p, what: 'spread' };
    if (!ts.isPropertyAssignment(p)) continue;
    const key = nameOf(p.name);
    const value = unwrap(p.initializer);
    if (key === '$where' && !ts.isStringLiteralLike(value) && (taint.isTainted(value) || !ts.isFunctionLike(value))) return { node: p, what: '$where' };
    if (key === '$regex' && taint.isTainted(value)) return { node: p, what: '$regex' };
    if (key && !key.startsWith('$') && ts.isNewExpression(value) && value.expression.getText() === 'RegExp' && value.arguments?.some((a) => taint.isTainted(a))) return { node: p, what: '$regex' };
    if (ts.isObjectLiteralExpression(value)) {
      const inner = dangerousOperator(value, taint, depth + 1);
      if (inner) return inner;
    }
  }
  return undefined;
}

export default defineRule({
  meta: {
    id: 'security/nosql-injection',
    area: 'security',
    severity: 'error',
    title: 'NoSQL filter or operator taken from the request',
    guidance: 'Security Reference › Injection Prevention Checklist',
    checklist: ['security.injection'],
    description:
      'A MongoDB/Mongoose filter passed straight from `req.body` or `req.query` lets a caller send operators such as `{"$ne": null}` or `{"$gt": ""}` and match every document (login bypass, data exposure). `$where` runs JavaScript on the server, and a `$regex` from input can scan the whole collection or hang on a catastrophic pattern. Build the filter from named, type-checked fields, and escape user text before using it in a regex.',
    examples: {
      bad: [
        {
          path: 'src/routes/products.ts',
          code: [
            "import { Router } from 'express';",
            "import { Product } from '../models/product';",
            '',
            'export const products = Router();',
            '',
            "products.get('/', async (req, res) => {",
            '  const filter = req.query;',
            '  const items = await Product.find(filter).limit(50);',
            '  res.json(items);',
            '});',
            '',
          ].join('\n'),
        },
        {
          path: 'src/routes/search.ts',
          code: [
            "import { Router } from 'express';",
            "import { db } from '../mongo';",
            '',
            'export const search = Router();',
            '',
            "search.post('/customers', async (req, res) => {",
            '  const term = req.body.term;',
            "  const rows = await db.collection('customers').find({ name: { $regex: term } }).limit(20).toArray();",
            '  res.json(rows);',
            '});',
            '',
          ].join('\n'),
        },
      ],
      good: [
        {
          path: 'src/routes/products.ts',
          code: [
            "import { Router } from 'express';",
            "import { Product } from '../models/product';",
            '',
            'export const products = Router();',
            '',
            "products.get('/', async (req, res) => {",
            "  const category = String(req.query.category ?? '');",
            '  const items = await Product.find({ category: { $eq: category } }).limit(50);',
            '  res.json(items);',
            '});',
            '',
          ].join('\n'),
        },
        {
          path: 'src/routes/search.ts',
          code: [
            "import { Router } from 'express';",
            "import escapeStringRegexp from 'escape-string-regexp';",
            "import { db } from '../mongo';",
            '',
            'export const search = Router();',
            '',
            "search.post('/customers', async (req, res) => {",
            '  const term = escapeStringRegexp(String(req.body.term));',
            "  const rows = await db.collection('customers').find({ name: { $regex: `^${term}` } }).limit(20).toArray();",
            '  res.json(rows);',
            '});',
            '',
          ].join('\n'),
        },
      ],
    },
  },
  code: {
    kinds: ['CallExpression'],
    visit(node, ctx) {
      const call = node as ts.CallExpression;
      const c = callee(call);
      if (!c || !c.receiverNode || !FILTER_METHODS.has(c.name) || call.arguments.length === 0) return;
      const arg = unwrap(call.arguments[0]);
      if (ts.isFunctionLike(arg) || ts.isStringLiteralLike(arg) || !mongoReceiver(c.receiverNode, ctx.file)) return;
      const taint = taintOf(ctx.file);
      const method = `${c.name}()`;
      if (!ts.isObjectLiteralExpression(arg)) {
        if (!taint.isTainted(arg)) return;
        // Array.prototype.find takes a function; a knex `where` with request input is the same problem.
        ctx.report({
          startLine: ctx.file.lineOf(call),
          message: `\`${arg.getText(ctx.file.sourceFile)}\` comes from the request and is used as the whole filter of \`${method}\`, so a caller can send operators like \`{"$ne": null}\` and match every record. Build the filter from named fields with checked types: \`${c.name}({ email: String(req.body.email) })\`.`,
        });
        return;
      }
      const hit = dangerousOperator(arg, taint);
      if (!hit) return;
      const message =
        hit.what === 'spread'
          ? `Request input is spread into the filter of \`${method}\`, so a caller can add any field or operator (\`$ne\`, \`$gt\`, \`$where\`) and widen the match. Copy only the fields you expect, with checked types.`
          : hit.what === '$where'
            ? `\`$where\` runs JavaScript inside the database for every document; built from anything but a fixed function it lets a caller run code and it cannot use indexes. Express the condition with query operators (\`$eq\`, \`$in\`, \`$expr\`).`
            : `A regular expression built from request input is used in \`${method}\`: a caller can match everything, or send a catastrophic pattern that pins the database CPU. Escape the text first (e.g. \`escape-string-regexp\`), anchor it (\`^\`), and cap its length.`;
      ctx.report({ startLine: ctx.file.lineOf(hit.node), message });
    },
  },
});
