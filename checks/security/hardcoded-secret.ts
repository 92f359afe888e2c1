import { isTestOrGenerated } from '../../src/files.js';
import { defineRule } from '../../src/rule.js';
import { findTokenFormat, looksLikeSecretValue, mask, SECRET_NAME, TOKEN_FORMATS } from '../../src/analyzers/secrets.js';

// Cheap line filter: only lines mentioning a secret-like word can hold a secret assignment.
const SECRETISH = /pass|pwd|secret|token|key|credential|dsn/i;

// `name = "value"`, `name: 'value'`, `"name": "value"`, `NAME=value` (env), `name: value` (YAML).
const ASSIGNMENT = /(?:^|[\s{,;(])["']?([A-Za-z_][\w.-]*)["']?\s*(?:=|:(?!:))\s*(?:(["'`])((?:(?!\2)[^\\\n]|\\.)*)\2|([^\s"'`#,;{}()[\]]+))/g;

// Throwaway passwords of local databases (docker-compose, CI services): not credentials anyone can abuse.
const DEV_PASSWORD = /^(?:postgres|password|secret|root|admin|test|dev|development|local|changeme|example|mysql|guest|pass|app|user|mongo|redis|rabbitmq)$/i;

function ignoredToken(token: { name: string; match: string }): boolean {
  if (!token.name.startsWith('database')) return false;
  if (/changeme|example|localhost|password@|user:pass@|<[^>]+>/i.test(token.match)) return true;
  const password = /:\/\/[^:\s/'"@]+:([^@\s'"/]+)@/.exec(token.match)?.[1];
  return password !== undefined && DEV_PASSWORD.test(password);
}

/** Whether this rule reports the line (so more specific rules can stay quiet on it). */
export function hardcodedSecretOnLine(line: string): boolean {
  if (line.length > 2000) return false;
  const token = findTokenFormat(line);
  if (token) return !ignoredToken(token);
  for (const m of line.matchAll(ASSIGNMENT)) {
    const last = m[1].split('.').pop() ?? m[1];
    if (SECRET_NAME.test(last) && looksLikeSecretValue(m[3] ?? m[4] ?? '')) return true;
  }
  return false;
}

export default defineRule({
  meta: {
    id: 'security/hardcoded-secret',
    area: 'security',
    severity: 'error',
    title: 'Secret committed to the repository',
    guidance: 'Security Reference › Secret Hygiene Checklist',
    checklist: ['security.no-secrets-in-repo'],
    description:
      'A credential in the repository is readable by everyone with access to it, and stays in the git history after it is deleted. Known token formats (AWS, GitHub, Slack, Stripe, Google, SendGrid, npm, private keys, database URLs with a password) are flagged anywhere; other values are flagged when a secret-like name is given a high-entropy literal. Revoke and rotate the secret, then load it at runtime from the environment or a secrets manager.',
    examples: {
      bad: [
        {
          path: 'src/payments/stripe.ts',
          code: "import Stripe from 'stripe';\n\nconst stripe = new Stripe('sk_live_51HqLyjWDarjtT1zdp7dcXbmQdeJfO2', { apiVersion: '2024-06-20' });\nexport default stripe;\n",
        },
        { path: 'config/settings.ts', code: "export const settings = {\n  webhookSecret: 'w7Gq2LzX9pVb4KtR8mYc1NdF',\n};\n" },
        { path: 'deploy/app.env', code: 'DATABASE_URL=postgres://app:Tr0ub4dor3xQ@db.internal:5432/app\n' },
      ],
      good: [
        {
          path: 'src/payments/stripe.ts',
          code: "import Stripe from 'stripe';\n\nconst stripe = new Stripe(process.env.STRIPE_SECRET_KEY!, { apiVersion: '2024-06-20' });\nexport default stripe;\n",
        },
        { path: 'config/settings.ts', code: "export const settings = {\n  passwordField: 'password',\n  tokenHeader: 'x-auth-token',\n  apiKey: process.env.API_KEY ?? '',\n};\n" },
        { path: 'deploy/app.env.example', code: 'DATABASE_URL=postgres://app:changeme@localhost:5432/app\nAPI_TOKEN=your-token-here\n' },
      ],
    },
  },
  text: {
    kinds: ['code', 'env', 'yaml', 'json', 'dockerfile', 'js-migration'],
    check(ctx) {
      // Test fixtures, vendored and generated files carry fake credentials and throwaway settings.
      if (isTestOrGenerated(ctx.file.path)) return;
      const { lines } = ctx.file;
      // In code an unquoted right-hand side is an expression (`token = req.headers.authorization`), not a literal.
      const code = ctx.file.kinds.has('code') || ctx.file.kinds.has('js-migration');
      // One scan of the whole file per token format decides whether lines need the per-line search.
      const anyToken = TOKEN_FORMATS.some((f) => f.pattern.test(ctx.file.text));
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (line.length > 2000) continue; // minified or data lines: token formats only below
        const token = anyToken ? findTokenFormat(line) : undefined;
        if (token) {
          if (ignoredToken(token)) continue;
          const shown = token.name.startsWith('database') ? token.match.replace(/:\/\/([^:/]+):[^@]+@/, '://$1:****@') : mask(token.match);
          ctx.report({
            startLine: i + 1,
            message: `A ${token.name} (\`${shown}\`) is committed here. Anyone who can read the repository or its history can use it. Revoke and rotate it now, then read it at runtime from the environment or your secrets manager.`,
          });
          continue;
        }
        if (!SECRETISH.test(line)) continue;
        for (const m of line.matchAll(ASSIGNMENT)) {
          const name = m[1];
          if (code && m[3] === undefined) continue;
          const value = m[3] ?? m[4] ?? '';
          const last = name.split('.').pop() ?? name;
          if (!SECRET_NAME.test(last) || !looksLikeSecretValue(value)) continue;
          ctx.report({
            startLine: i + 1,
            message: `\`${name}\` is set to a literal that looks like a real credential (\`${mask(value)}\`). Committed secrets stay in the git history for good. Rotate it and load it at runtime instead, e.g. \`process.env.${constantName(last)}\`.`,
          });
          break;
        }
      }
    },
  },
});

function constantName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[.-]/g, '_')
    .toUpperCase();
}
