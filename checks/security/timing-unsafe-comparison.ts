import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { callee, isConstant, unwrap } from '../../src/analyzers/code/ast.js';

const SECRET_VALUE = /(?:signature|sig|hmac|digest|token|apikey|secret|mac|otp|csrf|passcode)$/i;
const NOT_SECRET = /(?:type|count|length|name|id|kind|prefix|format|version|header|field|expiry|expires|at)$/i;

/** A name for the compared value: identifier, last property, a string element key, or a called function. */
function valueName(e: ts.Expression): string | undefined {
  const x = unwrap(e);
  if (ts.isIdentifier(x)) return x.text;
  if (ts.isPropertyAccessExpression(x)) return x.name.text;
  if (ts.isElementAccessExpression(x) && ts.isStringLiteralLike(x.argumentExpression)) return x.argumentExpression.text.replace(/[-_]/g, '');
  if (ts.isCallExpression(x)) {
    const c = callee(x);
    if (c && /^(?:digest|toString)$/.test(c.name) && c.receiverNode) return valueName(c.receiverNode) ?? 'digest';
    if (c && /^(?:get|header)$/.test(c.name) && x.arguments[0] && ts.isStringLiteralLike(x.arguments[0])) return x.arguments[0].text.replace(/[-_]/g, '');
    if (c && c.name === 'update') return 'hmac';
    if (c && c.name === 'createHmac') return 'hmac';
    return c?.name;
  }
  return undefined;
}

const isSecret = (name: string | undefined): boolean => !!name && SECRET_VALUE.test(name.replace(/[-_]/g, '')) && !NOT_SECRET.test(name.replace(/[-_]/g, ''));

export default defineRule({
  meta: {
    id: 'security/timing-unsafe-comparison',
    area: 'security',
    severity: 'warning',
    title: 'Secret compared with === instead of a constant-time comparison',
    guidance: 'Security Reference › Encryption',
    checklist: ['security.password-hashing'],
    description:
      '`===` stops at the first differing character, so the response time leaks how much of a guessed signature, token or API key was right; with enough requests an attacker recovers it byte by byte. Compare secrets with `crypto.timingSafeEqual` on equal-length buffers.',
    examples: {
      bad: [
        {
          path: 'src/webhooks/verify.ts',
          code: [
            "import { createHmac } from 'node:crypto';",
            '',
            'export function isValidSignature(payload: string, header: string, secret: string) {',
            "  const expected = createHmac('sha256', secret).update(payload).digest('hex');",
            '  const signature = header.replace(/^sha256=/, "");',
            '  return signature === expected;',
            '}',
            '',
          ].join('\n'),
        },
      ],
      good: [
        {
          path: 'src/webhooks/verify.ts',
          code: [
            "import { createHmac, timingSafeEqual } from 'node:crypto';",
            '',
            'export function isValidSignature(payload: string, header: string, secret: string) {',
            "  const expected = Buffer.from(createHmac('sha256', secret).update(payload).digest('hex'));",
            '  const signature = Buffer.from(header.replace(/^sha256=/, ""));',
            '  return signature.length === expected.length && timingSafeEqual(signature, expected);',
            '}',
            '',
          ].join('\n'),
        },
        { path: 'src/auth/header.ts', code: "export function bearer(header: string) {\n  const [scheme, token] = header.split(' ');\n  return scheme === 'Bearer' && token !== undefined ? token : undefined;\n}\n" },
      ],
    },
  },
  code: {
    kinds: ['BinaryExpression'],
    visit(node, ctx) {
      const b = node as ts.BinaryExpression;
      const op = b.operatorToken.kind;
      if (op !== ts.SyntaxKind.EqualsEqualsEqualsToken && op !== ts.SyntaxKind.ExclamationEqualsEqualsToken && op !== ts.SyntaxKind.EqualsEqualsToken && op !== ts.SyntaxKind.ExclamationEqualsToken) return;
      const left = unwrap(b.left);
      const right = unwrap(b.right);
      if (isConstant(left, ctx.file) || isConstant(right, ctx.file)) return;
      if (ts.isTypeOfExpression(left) || ts.isTypeOfExpression(right)) return;
      const ln = valueName(left);
      const rn = valueName(right);
      // Both sides must be secret material (a computed HMAC vs. a received signature), or one side a secret and the other an expected value.
      const configured = (e: ts.Expression) => /^(?:process\.env|config|env|settings)\./.test(e.getText(ctx.file.sourceFile)) && isSecret(valueName(e));
      const secretPair = (configured(left) || configured(right)) && !(ts.isCallExpression(left) || ts.isCallExpression(right));
      if (!secretPair && !(isSecret(ln) && (isSecret(rn) || /^expected|^computed|^stored|^valid/i.test(rn ?? ''))) && !(isSecret(rn) && /^expected|^computed|^stored|^valid/i.test(ln ?? ''))) return;
      ctx.report({
        startLine: ctx.file.lineOf(b),
        message: `\`${b.getText(ctx.file.sourceFile)}\` compares a secret with \`${b.operatorToken.getText(ctx.file.sourceFile)}\`, which returns as soon as a character differs; the timing difference lets an attacker recover the value byte by byte. Use \`a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b))\`.`,
      });
    },
  },
});
