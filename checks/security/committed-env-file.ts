import { isTestOrGenerated } from '../../src/files.js';
import { defineRule } from '../../src/rule.js';
import { looksLikeSecretValue, SECRET_NAME } from '../../src/analyzers/secrets.js';

/** Env files meant to be committed: templates, examples and test defaults. */
export const TEMPLATE_ENV = /(?:^|[./_-])(?:example|examples|sample|template|tmpl|dist|defaults?|schema|test|testing|ci|spec)(?:$|[._-])/i;
const PLACEHOLDER_VALUE = /^(?:|changeme|change[_-]?me|xxx+|\*+|<.*>|\$\{.*\}|your[_-].*|todo|dummy|placeholder|example|test|secret|password)$/i;

export default defineRule({
  meta: {
    id: 'security/committed-env-file',
    area: 'security',
    severity: 'error',
    title: 'Real .env file committed',
    guidance: 'Security Reference › Secret Hygiene Checklist',
    checklist: ['security.no-secrets-in-repo'],
    // Already names the credential on that line and says to rotate it.
    supersedes: ['security/hardcoded-secret'],
    description:
      'A `.env` file holds the credentials of one environment; once committed, everyone with repository access (and every fork and CI log) has them, and they stay in the history after deletion. Add `.env` to `.gitignore`, commit a `.env.example` with placeholder values instead, and rotate whatever was in the committed file. Example, sample, template and test env files are not flagged.',
    examples: {
      bad: [{ path: '.env', code: 'NODE_ENV=production\nDATABASE_PASSWORD=Zq8vLk2pW4\nSTRIPE_WEBHOOK_SECRET=whsec_live_51Hq\n' }],
      good: [
        { path: '.env.example', code: 'NODE_ENV=development\nDATABASE_PASSWORD=changeme\nSTRIPE_WEBHOOK_SECRET=\n' },
        { path: '.env', code: 'NODE_ENV=development\nPORT=3000\nLOG_LEVEL=debug\n', note: 'No credential in it: nothing to leak.' },
      ],
    },
  },
  text: {
    kinds: ['env'],
    check(ctx) {
      // Test fixtures, vendored and generated files carry fake credentials and throwaway settings.
      if (isTestOrGenerated(ctx.file.path)) return;
      const base = ctx.file.path.split('/').pop() ?? '';
      if (TEMPLATE_ENV.test(base.replace(/^\.env/, ''))) return;
      if (ctx.file.file.status === 'removed') return;
      // Frameworks commit .env.development defaults on purpose; only a real-looking credential there counts.
      const devDefaults = /^\.env\.(?:dev|development)$/i.test(base);
      // Only files that carry at least one credential: a committed .env with PORT=3000 leaks nothing.
      for (let i = 0; i < ctx.file.lines.length; i++) {
        const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(ctx.file.lines[i]);
        if (!m) continue;
        const value = m[2].trim().replace(/^(['"])(.*)\1$/, '$2');
        if (!(SECRET_NAME.test(m[1]) || /(?:^|_)(?:PASSWORD|SECRET|TOKEN|API_KEY|SECRET_KEY|PRIVATE_KEY|DSN|CREDENTIALS?)(?:_|$)/i.test(m[1])) || PLACEHOLDER_VALUE.test(value)) continue;
        if (devDefaults && !looksLikeSecretValue(value)) continue;
        ctx.report({
          startLine: i + 1,
          message: `\`${base}\` is committed with credentials in it (\`${m[1]}\` here); everyone with repository access, and the git history, keeps them. Remove the file, add \`${base}\` to \`.gitignore\`, commit a \`.env.example\` with placeholders, and rotate these values.`,
        });
        return;
      }
    },
  },
});
