import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { isConstant, isLoggerCall, unwrap } from '../../src/analyzers/code/ast.js';

/** The interpolated values of a message built with a template literal or `+`, if any are not constants. */
function interpolated(e: ts.Expression, file: Parameters<typeof isConstant>[1]): ts.Expression[] {
  const x = unwrap(e);
  if (ts.isTemplateExpression(x)) return x.templateSpans.map((s) => s.expression).filter((v) => !isConstant(v, file));
  if (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const parts: ts.Expression[] = [];
    const flat = (n: ts.Expression): void => {
      n = unwrap(n);
      if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken) {
        flat(n.left);
        flat(n.right);
      } else parts.push(n);
    };
    flat(x);
    if (!parts.some((p) => ts.isStringLiteralLike(p) || ts.isTemplateExpression(p))) return [];
    return parts.filter((p) => !ts.isStringLiteralLike(p) && !isConstant(p, file)).flatMap((p) => (ts.isTemplateExpression(p) ? interpolated(p, file) : [p]));
  }
  return [];
}

function fieldName(e: ts.Expression): string {
  const x = unwrap(e);
  if (ts.isIdentifier(x)) return x.text;
  if (ts.isPropertyAccessExpression(x)) {
    const owner = ts.isIdentifier(x.expression) ? x.expression.text : ts.isPropertyAccessExpression(x.expression) ? x.expression.name.text : '';
    return /^(?:id|name|code|status)$/.test(x.name.text) && owner ? `${owner}${x.name.text[0].toUpperCase()}${x.name.text.slice(1)}` : x.name.text;
  }
  return 'value';
}

export default defineRule({
  meta: {
    id: 'observability/unstructured-log',
    area: 'observability',
    severity: 'warning',
    title: 'Values interpolated into log messages',
    guidance: 'Observability Reference › Structured Logging',
    checklist: ['observability.structured-logs'],
    description:
      'A message like `order ${id} failed` is a different string for every order, so log search cannot group, count or alert on it, and the values cannot be filtered as fields. Keep the message constant and pass the values as fields: `logger.info({ orderId }, \'order failed\')` with pino (`logger.info(\'order failed\', { orderId })` with winston).',
    examples: {
      bad: [
        {
          path: 'src/orders/service.ts',
          code: "import { logger } from '../logger';\n\nexport function markShipped(orderId: string, carrier: string) {\n  logger.info(`order ${orderId} shipped with ${carrier}`);\n}\n",
        },
      ],
      good: [
        {
          path: 'src/orders/service.ts',
          code: "import { logger } from '../logger';\n\nconst SERVICE = 'orders';\n\nexport function markShipped(orderId: string, carrier: string) {\n  logger.info({ orderId, carrier }, `${SERVICE}: order shipped`);\n}\n",
        },
      ],
    },
  },
  code: {
    kinds: ['CallExpression'],
    visit(node, ctx) {
      const call = node as ts.CallExpression;
      const log = isLoggerCall(call);
      if (!log || log.console) return; // console.* has its own rule
      const message = call.arguments.find((a) => {
        const x = unwrap(a);
        return ts.isTemplateExpression(x) || ts.isBinaryExpression(x) || ts.isStringLiteralLike(x);
      });
      if (!message) return;
      const values = interpolated(message, ctx.file);
      if (values.length === 0) return;
      const fields = [...new Set(values.map(fieldName))];
      const winston = /winston/.test(ctx.file.text);
      const example = winston ? `${log.receiver}.${log.method}('…', { ${fields.join(', ')} })` : `${log.receiver}.${log.method}({ ${fields.join(', ')} }, '…')`;
      ctx.report({
        startLine: ctx.file.lineOf(call),
        message: `This log message has ${fields.map((f) => `\`${f}\``).join(', ')} interpolated into it, so every occurrence is a different string that log search cannot group, count or filter by field. Keep the message constant and pass the values as fields: \`${example}\`.`,
      });
    },
  },
});
