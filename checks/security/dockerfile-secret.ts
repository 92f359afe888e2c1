import { isTestOrGenerated } from '../../src/files.js';
import { defineRule } from '../../src/rule.js';
import { SECRET_NAME } from '../../src/analyzers/secrets.js';
import { hardcodedSecretOnLine } from './hardcoded-secret.js';

const INSTRUCTION = /^\s*(ENV|ARG)\s+(.*)$/i;
const PLACEHOLDER = /^(?:|changeme|change[_-]?me|x+|\*+|<.*>|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?.*|your[_-].*|todo|dummy|placeholder)$/i;

/** `ENV A=1 B=2`, `ENV A 1`, `ARG A=1` → name/value pairs. */
function pairs(rest: string): { name: string; value: string | undefined }[] {
  const out: { name: string; value: string | undefined }[] = [];
  if (!rest.includes('=')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\s+(.*))?$/.exec(rest.trim());
    if (m) out.push({ name: m[1], value: m[2]?.trim() });
    return out;
  }
  for (const m of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    out.push({ name: m[1], value: m[2]?.replace(/^(['"])(.*)\1$/, '$2') });
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'security/dockerfile-secret',
    area: 'security',
    severity: 'error',
    title: 'Secret baked into a Docker image',
    guidance: 'Security Reference › Secret Hygiene Checklist',
    checklist: ['security.no-secrets-in-repo'],
    description:
      '`ENV` and `ARG` values are stored in the image’s layers and history: anyone who can pull the image (registries, CI caches, every node that runs it) can read them with `docker history` or `docker inspect`. Pass secrets at runtime from the orchestrator’s secret store, and at build time use `RUN --mount=type=secret`.',
    examples: {
      bad: [{ path: 'Dockerfile', code: 'FROM node:20-slim\nWORKDIR /app\nENV NODE_ENV=production DATABASE_PASSWORD=hunter2hunter\nCOPY . .\nUSER node\nCMD ["node", "dist/server.js"]\n' }],
      good: [
        { path: 'Dockerfile', code: 'FROM node:20-slim\nWORKDIR /app\nARG NPM_TOKEN\nENV NODE_ENV=production\nRUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci\nCOPY . .\nUSER node\nCMD ["node", "dist/server.js"]\n' },
      ],
    },
  },
  text: {
    kinds: ['dockerfile'],
    check(ctx) {
      // Test fixtures, vendored and generated files carry fake credentials and throwaway settings.
      if (isTestOrGenerated(ctx.file.path)) return;
      const { lines } = ctx.file;
      for (let i = 0; i < lines.length; i++) {
        const m = INSTRUCTION.exec(lines[i]);
        if (!m || hardcodedSecretOnLine(lines[i])) continue; // hardcoded-secret already reports it
        const secret = pairs(m[2].replace(/\\\s*$/, '')).find((p) => SECRET_NAME.test(p.name) && p.value !== undefined && !PLACEHOLDER.test(p.value.trim()));
        if (!secret) continue;
        ctx.report({
          startLine: i + 1,
          message: `\`${m[1].toUpperCase()} ${secret.name}\` bakes a literal secret into the image; anyone who can pull it reads the value with \`docker history\` or \`docker inspect\`. Provide it at runtime from the orchestrator’s secret store, or at build time with \`RUN --mount=type=secret,id=${secret.name.toLowerCase()}\`, and rotate this one.`,
        });
      }
    },
  },
});
