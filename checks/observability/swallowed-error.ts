import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { callee, isLoggerCall, NOT_SERVER_PATH, unwrap } from '../../src/analyzers/code/ast.js';

const HANDLED_CALL = /^(?:next|reject|done|cb|callback|fail|emit|capture\w*|report\w*|track\w*|notify\w*|record\w*|inc|increment|observe|send|json|status|code|sendStatus|setStatus|end|abort|destroy|close|rollback|retry\w*|setTimeout)$/i;
const LOOP = (n: ts.Node) => ts.isForStatement(n) || ts.isForOfStatement(n) || ts.isForInStatement(n) || ts.isWhileStatement(n) || ts.isDoStatement(n);

/** Whether the catch block deals with the error in some visible way. */
function handles(block: ts.Block, errorName: string | undefined): boolean {
  let handled = false;
  const visit = (n: ts.Node): void => {
    if (handled) return;
    if (ts.isThrowStatement(n) || ts.isReturnStatement(n) || ts.isBreakStatement(n) || ts.isContinueStatement(n)) handled = true;
    else if (errorName && ts.isIdentifier(n) && n.text === errorName) handled = true;
    else if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) handled = true; // a fallback value
    else if (ts.isCallExpression(n)) {
      const c = callee(n);
      if (isLoggerCall(n) || (c && HANDLED_CALL.test(c.name))) handled = true;
    }
    if (!handled) ts.forEachChild(n, visit);
  };
  visit(block);
  return handled;
}

export default defineRule({
  meta: {
    id: 'observability/swallowed-error',
    area: 'observability',
    severity: 'warning',
    title: 'Error caught and silently dropped',
    guidance: 'Observability Reference › Structured Logging',
    checklist: ['observability.errors-visible'],
    description:
      'An empty `catch` (or one that neither logs, rethrows, returns nor uses the error) turns a failure into silence: the request appears to succeed, data is left half-written, and there is nothing in the logs or metrics to debug it from. Log the error with context and rethrow or return an error, or, when ignoring it is really right, say why in a comment inside the block.',
    examples: {
      bad: [
        {
          path: 'src/orders/service.ts',
          code: "export async function cancelOrder(db: any, id: string) {\n  try {\n    await db.query('UPDATE orders SET status = $1 WHERE id = $2', ['cancelled', id]);\n  } catch (err) {}\n}\n",
        },
        {
          path: 'src/cache.ts',
          code: "import { redis } from './redis';\n\nexport function warm(key: string, value: string) {\n  redis.set(key, value).catch(() => {});\n}\n",
        },
      ],
      good: [
        {
          path: 'src/orders/service.ts',
          code: "import { logger } from '../logger';\n\nexport async function cancelOrder(db: any, id: string) {\n  try {\n    await db.query('UPDATE orders SET status = $1 WHERE id = $2', ['cancelled', id]);\n  } catch (err) {\n    logger.error({ err, orderId: id }, 'cancel failed');\n    throw err;\n  }\n}\n",
        },
        {
          path: 'src/config/read.ts',
          code: "import { readFileSync } from 'node:fs';\n\nexport function readOverrides(path: string): Record<string, string> {\n  try {\n    return JSON.parse(readFileSync(path, 'utf8'));\n  } catch {\n    // The overrides file is optional; defaults apply when it is missing.\n  }\n  return {};\n}\n",
          note: 'A comment explaining why the error is ignored is a deliberate decision.',
        },
      ],
    },
  },
  code: {
    kinds: ['CatchClause', 'CallExpression'],
    visit(node, ctx) {
      if (NOT_SERVER_PATH.test(ctx.file.path)) return;
      const text = ctx.file.text;
      if (ts.isCatchClause(node)) {
        const block = node.block;
        const inner = text.slice(block.getStart(ctx.file.sourceFile) + 1, block.getEnd() - 1);
        if (/\/\/|\/\*/.test(inner)) return; // the author explained the decision
        const name = node.variableDeclaration && ts.isIdentifier(node.variableDeclaration.name) ? node.variableDeclaration.name.text : undefined;
        if (block.statements.length > 0) {
          if (handles(block, name)) return;
          if (ts.findAncestor(node, (n) => LOOP(n) || ts.isFunctionLike(n)) && LOOP(ts.findAncestor(node, (n) => LOOP(n) || ts.isFunctionLike(n))!)) return; // retry loops
        }
        ctx.report({
          startLine: ctx.file.lineOf(node),
          message: `This \`catch\` ${block.statements.length === 0 ? 'is empty' : 'neither logs, rethrows, returns nor uses the error'}, so the failure disappears: the caller sees success, partial work is left behind, and nothing in the logs explains it. Log it with context and rethrow or return an error (\`logger.error({ err }, '…'); throw err;\`), or add a comment saying why ignoring it is safe.`,
        });
        return;
      }
      // promise.catch(() => {})
      const call = node as ts.CallExpression;
      const c = callee(call);
      if (!c || c.name !== 'catch' || !c.receiverNode || call.arguments.length !== 1) return;
      const fn = unwrap(call.arguments[0]);
      if (!(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) || !ts.isBlock(fn.body) || fn.body.statements.length > 0) return;
      const inner = text.slice(fn.body.getStart(ctx.file.sourceFile) + 1, fn.body.getEnd() - 1);
      if (/\/\/|\/\*/.test(inner)) return;
      // Name the operation in the suggested log message, e.g. `quit` for `client.quit().catch(…)`.
      const receiver = unwrap(c.receiverNode);
      const inner2 = ts.isCallExpression(receiver) ? callee(receiver)?.name : undefined;
      const what = inner2 && /^[A-Za-z_$][\w$]*$/.test(inner2) ? `${inner2} failed` : 'operation failed';
      ctx.report({
        startLine: ctx.file.lineOf(call),
        message: `\`.catch(() => {})\` drops the rejection without a trace, so when this operation fails nobody finds out. Log it (\`.catch((err) => logger.warn({ err }, '${what}'))\`), or add a comment in the handler saying why the failure does not matter.`,
      });
    },
  },
});
