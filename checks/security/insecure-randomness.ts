import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { chainText, functionName, isFunctionLike, nameOf, NOT_SERVER_PATH } from '../../src/analyzers/code/ast.js';

const SECRET_PURPOSE = /(?:token|secret|passw(?:or)?d|pwd|nonce|salt|otp|session|api_?key|apikey|csrf|invite|verification|reset|recovery|nonce|(?:^|[a-z_])(?:id|uuid|guid)$|[a-z]Id$|^code$|Code$|_code$|key$)/i;
const NOT_SECRET = /jitter|delay|backoff|sleep|wait|sample|shuffle|color|colour|offset|position|weight|percent|ratio|probability|chance|timeout|interval|random$|index|idx|port|skew|spread|noise|retry|trace|span|request_?id|requestid|correlation/i;

/** The name the random value ends up in: the variable, property, or function it is produced for. */
function purpose(node: ts.Node): string | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (ts.isVariableDeclaration(n) || ts.isPropertyAssignment(n) || ts.isPropertyDeclaration(n)) return nameOf(n.name);
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) return chainText(n.left)?.split('.').pop();
    if (isFunctionLike(n)) return functionName(n);
    if (ts.isBlock(n) && n.parent && isFunctionLike(n.parent)) continue;
    if (ts.isBlock(n) || ts.isSourceFile(n)) return undefined;
  }
  return undefined;
}

export default defineRule({
  meta: {
    id: 'security/insecure-randomness',
    area: 'security',
    severity: 'error',
    title: 'Math.random used for tokens, ids or secrets',
    guidance: 'Security Reference › Security Checklist for New Services',
    checklist: ['security.tokens'],
    description:
      '`Math.random` is not a cryptographic generator: its internal state can be recovered from a handful of outputs, so reset tokens, session ids, invite codes or API keys made from it can be predicted and accounts taken over. Use `crypto.randomBytes(32).toString(\'base64url\')`, `crypto.randomUUID()` or `crypto.randomInt()`.',
    examples: {
      bad: [
        {
          path: 'src/auth/reset.ts',
          code: "export function createResetToken() {\n  return Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);\n}\n",
        },
        {
          path: 'src/invites/service.ts',
          code: "export function newInvite(email: string) {\n  const inviteCode = Math.floor(Math.random() * 1_000_000).toString().padStart(6, '0');\n  return { email, inviteCode };\n}\n",
        },
      ],
      good: [
        { path: 'src/auth/reset.ts', code: "import { randomBytes } from 'node:crypto';\n\nexport function createResetToken() {\n  return randomBytes(32).toString('base64url');\n}\n" },
        { path: 'src/http/retry.ts', code: 'export function backoffDelay(attempt: number) {\n  const jitter = Math.random() * 100;\n  return 2 ** attempt * 100 + jitter;\n}\n' },
      ],
    },
  },
  code: {
    kinds: ['CallExpression'],
    visit(node, ctx) {
      const call = node as ts.CallExpression;
      const e = call.expression;
      if (!ts.isPropertyAccessExpression(e) || e.name.text !== 'random' || !ts.isIdentifier(e.expression) || e.expression.text !== 'Math') return;
      if (NOT_SERVER_PATH.test(ctx.file.path)) return;
      const name = purpose(call);
      if (!name || !SECRET_PURPOSE.test(name) || NOT_SECRET.test(name)) return;
      ctx.report({
        startLine: ctx.file.lineOf(call),
        message: `\`${name}\` is made from \`Math.random\`, whose output can be predicted after observing a few values, so these values can be guessed and accounts or resources taken over. Use \`crypto.randomBytes(32).toString('base64url')\`, \`crypto.randomUUID()\` or \`crypto.randomInt(0, 1_000_000)\`.`,
      });
    },
  },
});
