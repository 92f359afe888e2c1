import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';

const METHODS: Record<string, string> = { log: 'info', info: 'info', warn: 'warn', error: 'error', debug: 'debug', trace: 'trace' };
// Command-line tools, scripts and front-end code print to the console on purpose.
const NOT_SERVER = /(^|\/)(scripts?|bin|cli|tools|public|static|client|frontend|web|examples?)\/|\.(tsx|jsx)$|(^|\/)cli\.[cm]?[jt]s$/;

const loggerCache = new WeakMap<CodeFile, string | null>();

/** The name of a structured logger the file already has in scope, if any. */
function loggerName(file: CodeFile): string | undefined {
  if (!loggerCache.has(file)) {
    const m = /\b(?:import\s+(logger|log)\b|(?:const|let|var)\s+(logger|log)\s*=|import\s*\{[^}]*\b(logger|log)\b[^}]*\}\s*from)/.exec(file.text);
    loggerCache.set(file, m ? (m[1] ?? m[2] ?? m[3]) : null);
  }
  return loggerCache.get(file) ?? undefined;
}

export default defineRule({
  meta: {
    id: 'observability/console-log',
    area: 'observability',
    severity: 'warning',
    title: 'console.* in server code',
    guidance: 'Observability Reference › Structured Logging',
    checklist: ['observability.structured-logs'],
    description:
      'console output is plain text with no level, timestamp, request id or fields, so log search cannot filter or correlate it, and an object passed to it is printed whole (often with secrets). Use the service’s structured JSON logger (pino, winston) with values as fields. Scripts, CLIs, tests and front-end files are not flagged.',
    examples: {
      bad: [
        {
          path: 'src/orders/service.ts',
          code: "export async function createOrder(db: any, input: { userId: string }) {\n  const order = await db.orders.insert(input);\n  console.log('order created', order.id);\n  return order;\n}\n",
        },
      ],
      good: [
        {
          path: 'src/orders/service.ts',
          code: "import { logger } from '../logger';\n\nexport async function createOrder(db: any, input: { userId: string }) {\n  const order = await db.orders.insert(input);\n  logger.info({ orderId: order.id }, 'order created');\n  return order;\n}\n",
        },
        { path: 'scripts/seed.ts', code: "console.log('seeded 10 users');\n", note: 'Scripts print to the console on purpose.' },
      ],
    },
  },
  code: {
    kinds: ['CallExpression'],
    visit(node, ctx) {
      const call = node as ts.CallExpression;
      const callee = call.expression;
      if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression) || callee.expression.text !== 'console') return;
      const level = METHODS[callee.name.text];
      if (!level || NOT_SERVER.test(ctx.file.path) || ctx.file.text.startsWith('#!')) return;
      const line = ctx.file.lineOf(call);
      const logger = loggerName(ctx.file);
      const args = call.arguments;
      // Mechanical only when the call is one string and a logger is already in scope.
      const simple = logger && args.length === 1 && ts.isStringLiteralLike(args[0]) && ctx.file.endLineOf(call) === line;
      const original = ctx.file.lineText(line);
      ctx.report({
        startLine: line,
        message:
          `\`console.${callee.name.text}\` writes unstructured text with no level, request id or fields, so it cannot be searched or correlated in production. ` +
          `Use the structured logger with values as fields: \`${logger ?? 'logger'}.${level}({ ...fields }, ${args[0] && ts.isStringLiteralLike(args[0]) ? `'${args[0].text}'` : "'what happened'"})\`.`,
        fix: simple ? { startLine: line, endLine: line, replacement: original.replace(`console.${callee.name.text}(`, `${logger}.${level}(`) } : undefined,
      });
    },
  },
});
