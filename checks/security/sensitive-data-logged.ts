import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { chainText, isLoggerCall, nameOf, unwrap } from '../../src/analyzers/code/ast.js';

const SENSITIVE = /^(?:pass(?:word|wd|phrase)?|pwd|new_?password|old_?password|current_?password|secret|client_?secret|token|access_?token|refresh_?token|id_?token|auth_?token|api_?key|apikey|authorization|cookie|cookies|set-cookie|credit_?card|card_?number|cvv|ssn|private_?key)$/i;
const SENSITIVE_SUFFIX = /(?:Password|Secret|Token|ApiKey|PrivateKey)$/;
const WHOLE = /^(?:req|request|ctx\.request|ctx)\.(?:body|headers|cookies)$/;
const REDACTED = /redact|mask|\*\*\*|\[filtered\]|hash|length|present|exists|\bhas\b/i;

function sensitiveName(name: string | undefined): boolean {
  return !!name && (SENSITIVE.test(name) || SENSITIVE_SUFFIX.test(name));
}

/** What in a logged value is sensitive: a whole body/headers object, or a secret-named value. */
function findSensitive(e: ts.Expression, depth = 0): string | undefined {
  if (depth > 3) return undefined;
  const x = unwrap(e);
  const chain = chainText(x);
  if (chain && WHOLE.test(chain)) return `the whole \`${chain}\``;
  if (chain && /\.headers\.(?:authorization|cookie)$|\.cookies$/i.test(chain)) return `\`${chain}\``;
  if (ts.isElementAccessExpression(x) && ts.isStringLiteralLike(x.argumentExpression) && /^(?:authorization|cookie|x-api-key)$/i.test(x.argumentExpression.text)) return `the \`${x.argumentExpression.text}\` header`;
  if (ts.isIdentifier(x) && sensitiveName(x.text)) return `\`${x.text}\``;
  if (ts.isPropertyAccessExpression(x) && sensitiveName(x.name.text)) return `\`${chain ?? x.name.text}\``;
  if (ts.isObjectLiteralExpression(x)) {
    for (const p of x.properties) {
      if (ts.isShorthandPropertyAssignment(p) && sensitiveName(p.name.text)) return `\`${p.name.text}\``;
      if (ts.isPropertyAssignment(p)) {
        const v = unwrap(p.initializer);
        if (ts.isStringLiteralLike(v) || ts.isNumericLiteral(v) || REDACTED.test(v.getText())) continue;
        if (sensitiveName(nameOf(p.name)) && !ts.isObjectLiteralExpression(v)) return `\`${nameOf(p.name)}\``;
        const inner = findSensitive(v, depth + 1);
        if (inner) return inner;
      }
      if (ts.isSpreadAssignment(p)) {
        const inner = findSensitive(p.expression, depth + 1);
        if (inner) return inner;
      }
    }
  }
  if (ts.isTemplateExpression(x)) {
    for (const s of x.templateSpans) {
      const inner = findSensitive(s.expression, depth + 1);
      if (inner) return inner;
    }
  }
  if (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.PlusToken) return findSensitive(x.left, depth + 1) ?? findSensitive(x.right, depth + 1);
  if (ts.isCallExpression(x) && chainText(x.expression) === 'JSON.stringify' && x.arguments[0]) return findSensitive(x.arguments[0], depth + 1);
  return undefined;
}

export default defineRule({
  meta: {
    id: 'security/sensitive-data-logged',
    area: 'security',
    severity: 'error',
    title: 'Passwords, tokens, auth headers or whole request bodies logged',
    guidance: 'Security Reference › Secret Hygiene Checklist',
    checklist: ['security.no-secrets-in-logs'],
    description:
      'Log pipelines are read by many people and kept for weeks in systems that are not secret stores, so a logged password, token, `Authorization` header or whole request body (which carries them, and personal data) is a leak waiting for an incident. Log identifiers and outcomes instead (`userId`, status, a body size or hash), and configure the logger’s redaction (`pino({ redact: [\'req.headers.authorization\'] })`).',
    examples: {
      bad: [
        {
          path: 'src/routes/auth.ts',
          code: [
            "import { Router } from 'express';",
            "import { logger } from '../logger';",
            '',
            'export const auth = Router();',
            '',
            "auth.post('/login', async (req, res) => {",
            "  logger.info({ body: req.body }, 'login attempt');",
            '  res.sendStatus(204);',
            '});',
            '',
          ].join('\n'),
        },
        {
          path: 'src/clients/billing.ts',
          code: "import { logger } from '../logger';\n\nexport function logCall(url: string, accessToken: string) {\n  logger.debug({ url, accessToken }, 'calling billing');\n}\n",
        },
      ],
      good: [
        {
          path: 'src/routes/auth.ts',
          code: [
            "import { Router } from 'express';",
            "import { logger } from '../logger';",
            '',
            'export const auth = Router();',
            '',
            "auth.post('/login', async (req, res) => {",
            "  logger.info({ email: String(req.body.email ?? '').slice(0, 3) + '***' }, 'login attempt');",
            '  res.sendStatus(204);',
            '});',
            '',
          ].join('\n'),
        },
        {
          path: 'src/clients/billing.ts',
          code: "import { logger } from '../logger';\n\nexport function logCall(url: string, accessToken: string) {\n  logger.debug({ url, hasToken: accessToken.length > 0 }, 'calling billing');\n}\n",
        },
      ],
    },
  },
  code: {
    kinds: ['CallExpression'],
    visit(node, ctx) {
      const call = node as ts.CallExpression;
      const log = isLoggerCall(call);
      if (!log) return;
      for (const arg of call.arguments) {
        const what = findSensitive(arg);
        if (!what) continue;
        ctx.report({
          startLine: ctx.file.lineOf(call),
          message: `This log line writes ${what} into the logs, where it is kept for weeks and readable by everyone with log access; a leaked token or password there is a live credential. Log an identifier or outcome instead (user id, status, body size), and add the field to the logger’s \`redact\` list.`,
        });
        return;
      }
    },
  },
});
