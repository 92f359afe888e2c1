import { ts } from '../../src/analyzers/code/ts.js';
import { isTestOrGenerated } from '../../src/files.js';
import { defineRule } from '../../src/rule.js';
import { chainText, nameOf, NOT_SERVER_PATH, replaceInLine, stringValue, unwrap } from '../../src/analyzers/code/ast.js';

const SSLMODE_DISABLE = /\bsslmode=(?:disable|allow)\b|\bssl=false\b/i;
const LOCAL_HOST = /@(?:localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0|host\.docker\.internal)(?::\d+)?\//i;
// Local development and CI files talk to throwaway databases on the same host or network.
const LOCAL_FILE = /(?:^|\/)(?:\.github|\.gitlab|\.circleci|\.buildkite|ci|test|tests|e2e|dev|local)\/|(?:^|\/)\.gitlab-ci\.ya?ml$|(?:^|[./_-])(?:dev|development|local|test|testing|ci|example|sample|template)(?:[._-]|$)[^/]*$/i;

const MESSAGE_TLS =
  'turns off certificate verification, so anyone on the network path (a compromised proxy, a rogue Wi-Fi, a poisoned DNS entry) can impersonate the server and read or change the traffic, credentials included.';

export default defineRule({
  meta: {
    id: 'security/tls-verification-disabled',
    area: 'security',
    severity: 'error',
    title: 'TLS certificate verification disabled',
    guidance: 'Security Reference › Security Checklist for New Services',
    checklist: ['security.transport'],
    description:
      '`rejectUnauthorized: false`, `NODE_TLS_REJECT_UNAUTHORIZED=0` and `sslmode=disable` make connections accept any certificate or none, so a machine in the middle can read credentials and data and alter responses. Trust the right CA instead (`ca: fs.readFileSync(…)`, `NODE_EXTRA_CA_CERTS`, `sslmode=verify-full` with `sslrootcert`). Local and CI files that point at localhost are not flagged.',
    examples: {
      bad: [
        {
          path: 'src/db.ts',
          code: "import { Pool } from 'pg';\n\nexport const pool = new Pool({\n  connectionString: process.env.DATABASE_URL,\n  ssl: { rejectUnauthorized: false },\n});\n",
        },
        { path: 'deploy/k8s/api.yaml', code: 'env:\n  - name: NODE_TLS_REJECT_UNAUTHORIZED\n    value: "0"\n' },
        { path: 'src/config.ts', code: "export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://api@db.prod.internal:5432/app?sslmode=disable';\n" },
      ],
      good: [
        {
          path: 'src/db.ts',
          code: "import { readFileSync } from 'node:fs';\nimport { Pool } from 'pg';\n\nexport const pool = new Pool({\n  connectionString: process.env.DATABASE_URL,\n  ssl: { ca: readFileSync('/etc/ssl/certs/rds-ca.pem', 'utf8') },\n});\n",
        },
        { path: 'docker-compose.dev.yml', code: 'services:\n  api:\n    environment:\n      DATABASE_URL: postgres://app@localhost:5432/app?sslmode=disable\n' },
      ],
    },
  },
  code: {
    kinds: ['PropertyAssignment', 'BinaryExpression', 'StringLiteral', 'NoSubstitutionTemplateLiteral'],
    visit(node, ctx) {
      if (NOT_SERVER_PATH.test(ctx.file.path)) return;
      if (ts.isPropertyAssignment(node)) {
        const name = nameOf(node.name);
        const v = unwrap(node.initializer);
        if ((name === 'rejectUnauthorized' || name === 'strictSSL') && v.kind === ts.SyntaxKind.FalseKeyword) {
          ctx.report({
            startLine: ctx.file.lineOf(node),
            message: `\`${name}: false\` ${MESSAGE_TLS} Provide the server’s CA instead (\`ca: readFileSync('ca.pem')\`) and keep verification on.`,
            fix: replaceInLine(ctx.file, node, name === 'rejectUnauthorized' ? 'rejectUnauthorized: true' : 'strictSSL: true'),
          });
        }
        return;
      }
      if (ts.isBinaryExpression(node)) {
        if (node.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return;
        const target = chainText(node.left);
        if (target !== 'process.env.NODE_TLS_REJECT_UNAUTHORIZED') return;
        if (stringValue(node.right) !== '0' && !(ts.isNumericLiteral(unwrap(node.right)) && (unwrap(node.right) as ts.NumericLiteral).text === '0')) return;
        ctx.report({
          startLine: ctx.file.lineOf(node),
          message: `Setting \`NODE_TLS_REJECT_UNAUTHORIZED\` to 0 ${MESSAGE_TLS} It applies to every HTTPS and TLS connection of the process. Remove it and trust the right CA with \`NODE_EXTRA_CA_CERTS\`.`,
        });
        return;
      }
      const text = (node as ts.StringLiteral).text;
      if (!SSLMODE_DISABLE.test(text) || LOCAL_HOST.test(text) || !/:\/\//.test(text)) return;
      ctx.report({
        startLine: ctx.file.lineOf(node),
        message: `This connection string has \`${SSLMODE_DISABLE.exec(text)![0]}\`: credentials and query results cross the network in clear text. Use \`sslmode=verify-full\` (with \`sslrootcert\` for a private CA).`,
      });
    },
  },
  text: {
    kinds: ['env', 'yaml', 'dockerfile', 'json'],
    check(ctx) {
      // Test fixtures, vendored and generated files carry fake credentials and throwaway settings.
      if (isTestOrGenerated(ctx.file.path)) return;
      const { lines } = ctx.file;
      const local = LOCAL_FILE.test(ctx.file.path);
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (/^\s*#/.test(line)) continue;
        // NODE_TLS_REJECT_UNAUTHORIZED=0, : "0", ENV NODE_TLS_REJECT_UNAUTHORIZED 0, or a k8s `name:` followed by `value: "0"`.
        let tls = /NODE_TLS_REJECT_UNAUTHORIZED["']?\s*(?:=|:|\s)\s*["']?0["']?\s*(?:$|[,#])/.test(line);
        if (!tls && /name:\s*["']?NODE_TLS_REJECT_UNAUTHORIZED["']?\s*$/.test(line) && /^\s*value:\s*["']?0["']?\s*$/.test(lines[i + 1] ?? '')) tls = true;
        if (tls && !local) {
          ctx.report({
            startLine: i + 1,
            message: `\`NODE_TLS_REJECT_UNAUTHORIZED=0\` ${MESSAGE_TLS} It applies to every TLS connection of the process. Remove it and add the private CA with \`NODE_EXTRA_CA_CERTS\` instead.`,
          });
          continue;
        }
        if (tls) continue;
        if (!local && SSLMODE_DISABLE.test(line) && /:\/\//.test(line) && !LOCAL_HOST.test(line)) {
          ctx.report({
            startLine: i + 1,
            message: `This connection string has \`${SSLMODE_DISABLE.exec(line)![0]}\`: credentials and query results cross the network in clear text. Use \`sslmode=verify-full\` (with \`sslrootcert\` for a private CA).`,
          });
        }
      }
    },
  },
});
