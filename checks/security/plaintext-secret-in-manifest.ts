import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode, type Pair, type YAMLMap } from '../../src/analyzers/yaml.js';
import { isTestOrGenerated } from '../../src/files.js';
import { defineRule } from '../../src/rule.js';
import { SECRET_NAME } from '../../src/analyzers/secrets.js';
import { hardcodedSecretOnLine } from './hardcoded-secret.js';

const PLACEHOLDER = /^(?:|changeme|change[_-]?me|x+|\*+|<.*>|\$\{.*\}|\$[A-Z_][A-Z0-9_]*|\{\{.*\}\}|your[_-].*|todo|dummy|placeholder|redacted|example|none|null)$/i;
// Throwaway values of local databases and tools; reporting them is noise.
const DEV_DEFAULT = /^(?:postgres|password|secret|root|admin|test|dev|development|local|localhost|guest|mysql|redis|minio|minioadmin|example|pass|app|user|mongo|rabbit|rabbitmq)$/i;
const SECRET_KEY = (key: string) => SECRET_NAME.test(key) || /(?:^|_)(?:PASSWORD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|DSN)(?:_|$)/i.test(key);

interface Hit {
  line: number;
  key: string;
  where: string;
}

function entries(map: unknown): Pair[] {
  return isMap(map) ? (map as YAMLMap).items.filter(isPair) : [];
}

function get(map: unknown, key: string): unknown {
  return entries(map).find((p) => isScalar(p.key) && String(p.key.value) === key)?.value;
}

function scalarText(node: unknown): string | undefined {
  return isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : undefined;
}

export default defineRule({
  meta: {
    id: 'security/plaintext-secret-in-manifest',
    area: 'security',
    severity: 'error',
    title: 'Plaintext secret in a Kubernetes or docker-compose manifest',
    guidance: 'Security Reference › Secret Hygiene Checklist',
    checklist: ['security.no-secrets-in-repo'],
    description:
      'Manifests are committed, templated and shared widely: a password in a ConfigMap, in a Secret’s `stringData`/`data` (base64 is an encoding, not encryption) or in a compose `environment` block is readable by everyone with repository access and stays in the history. Keep only references in manifests: External Secrets, Sealed Secrets or SOPS for Kubernetes, `${VAR}` interpolation or `secrets:` for compose.',
    examples: {
      bad: [
        {
          path: 'deploy/k8s/configmap.yaml',
          code: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\ndata:\n  LOG_LEVEL: info\n  DB_PASSWORD: "Winter2024!"\n',
        },
        {
          path: 'docker-compose.yml',
          code: 'services:\n  api:\n    image: ghcr.io/acme/api:1.4.2\n    environment:\n      NODE_ENV: production\n      STRIPE_API_KEY: sk_prod_fallback\n',
        },
      ],
      good: [
        {
          path: 'deploy/k8s/configmap.yaml',
          code: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\ndata:\n  LOG_LEVEL: info\n  DB_HOST: db.internal\n',
        },
        {
          path: 'docker-compose.yml',
          code: 'services:\n  api:\n    image: ghcr.io/acme/api:1.4.2\n    environment:\n      NODE_ENV: production\n      STRIPE_API_KEY: ${STRIPE_API_KEY}\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: postgres\n',
          note: 'Interpolated values and throwaway local database passwords are not secrets.',
        },
      ],
    },
  },
  text: {
    kinds: ['yaml'],
    check(ctx) {
      // Test fixtures, vendored and generated files carry fake credentials and throwaway settings.
      if (isTestOrGenerated(ctx.file.path)) return;
      const text = ctx.file.text;
      if (!/\bkind:\s*(?:ConfigMap|Secret)\b|^services:/m.test(text)) return;
      const lc = new LineCounter();
      let docs;
      try {
        // prettyErrors would quote the source line once per error: quadratic on one long line.
        docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
      } catch {
        return;
      }
      if (!Array.isArray(docs)) return;
      const hits: Hit[] = [];
      const lineOf = (node: unknown): number => {
        const range = (node as YamlNode | undefined)?.range;
        return range ? lc.linePos(range[0]).line : 1;
      };
      const consider = (key: string, value: string | undefined, node: unknown, where: string, decode = false) => {
        if (!SECRET_KEY(key) || value === undefined) return;
        let v = value.trim();
        if (decode) {
          try {
            v = Buffer.from(v, 'base64').toString('utf8').trim();
          } catch {
            return;
          }
        }
        if (PLACEHOLDER.test(v) || DEV_DEFAULT.test(v) || v.length < 6 || /\{\{|\$\{/.test(v)) return;
        const line = lineOf(node);
        if (hardcodedSecretOnLine(ctx.file.lines[line - 1] ?? '')) return; // already reported as a hard-coded secret
        hits.push({ line, key, where });
      };
      for (const doc of docs) {
        if (doc.errors.length > 0) continue;
        const root = doc.contents;
        const kind = scalarText(get(root, 'kind'));
        if (kind === 'ConfigMap') {
          for (const p of entries(get(root, 'data'))) consider(String(scalarText(p.key)), scalarText(p.value), p.value, 'a ConfigMap');
        } else if (kind === 'Secret') {
          for (const p of entries(get(root, 'stringData'))) consider(String(scalarText(p.key)), scalarText(p.value), p.value, 'a Secret’s `stringData`');
          for (const p of entries(get(root, 'data'))) consider(String(scalarText(p.key)), scalarText(p.value), p.value, 'a Secret’s `data` (base64 only)', true);
        } else if (!kind) {
          for (const svc of entries(get(root, 'services'))) {
            const env = get(svc.value, 'environment');
            for (const p of entries(env)) consider(String(scalarText(p.key)), scalarText(p.value), p.value, 'a compose `environment` block');
            if (isSeq(env)) {
              for (const item of env.items) {
                const t = scalarText(item);
                const m = t ? /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(t) : null;
                if (m) consider(m[1], m[2], item, 'a compose `environment` block');
              }
            }
          }
        }
      }
      for (const h of hits) {
        ctx.report({
          startLine: h.line,
          message: `\`${h.key}\` has a literal value in ${h.where}, so the credential is readable by everyone with repository access and stays in the git history. Reference it instead (an External Secret, Sealed Secret or SOPS-encrypted file; \`${h.key}: \${${h.key}}\` in compose) and rotate this value.`,
        });
      }
    },
  },
});
