import { isTestOrGenerated } from '../../src/files.js';
import { defineRule } from '../../src/rule.js';

// Base images whose default user is already unprivileged.
const NON_ROOT_IMAGE = /(?:distroless\/[^\s:]+:(?:[^\s]*-)?nonroot|:nonroot|-nonroot\b|^cgr\.dev\/|chainguard\/|bitnami\/|^nginxinc\/nginx-unprivileged)/i;

export default defineRule({
  meta: {
    id: 'security/container-runs-as-root',
    area: 'security',
    severity: 'warning',
    title: 'Container runs as root',
    guidance: 'Security Reference › Security Checklist for New Services',
    checklist: ['security.container-user'],
    description:
      'Without a `USER` in the final stage the process runs as root inside the container, so any code-execution bug gets root over the container’s filesystem and a much easier path to the node through kernel or runtime escapes. Add a non-root `USER` (the `node` user on official Node images) before `CMD`.',
    examples: {
      bad: [{ path: 'Dockerfile', code: 'FROM node:20-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY dist ./dist\nCMD ["node", "dist/server.js"]\n' }],
      good: [
        { path: 'Dockerfile', code: 'FROM node:20-slim AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n\nFROM node:20-slim\nWORKDIR /app\nCOPY --from=build /app/dist ./dist\nUSER node\nCMD ["node", "dist/server.js"]\n' },
        { path: 'Dockerfile', code: 'FROM gcr.io/distroless/nodejs20-debian12:nonroot\nCOPY dist /app\nCMD ["/app/server.js"]\n' },
      ],
    },
  },
  text: {
    kinds: ['dockerfile'],
    check(ctx) {
      // Test fixtures, vendored and generated files carry fake credentials and throwaway settings.
      if (isTestOrGenerated(ctx.file.path)) return;
      // Development containers and CI tool images are not what runs in production.
      if (/(?:^|\/)\.devcontainer\/|(?:^|[./_-])(?:dev|development|test|ci|local)(?:[./_-]|$)[^/]*$/i.test(ctx.file.path)) return;
      const { lines } = ctx.file;
      let fromLine = -1;
      let image = '';
      let user: string | undefined;
      let cmdLine = -1;
      // A stage built FROM an earlier stage inherits that stage's USER.
      const stageUser = new Map<string, string | undefined>();
      let stage: string | undefined;
      for (let i = 0; i < lines.length; i++) {
        const from = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(lines[i]);
        if (from) {
          fromLine = i;
          image = from[1];
          user = stageUser.get(image.toLowerCase());
          stage = from[2]?.toLowerCase();
          if (stage) stageUser.set(stage, user);
          cmdLine = -1;
          continue;
        }
        const u = /^\s*USER\s+(\S+)/i.exec(lines[i]);
        if (u) {
          user = u[1];
          if (stage) stageUser.set(stage, user);
        }
        if (/^\s*(?:CMD|ENTRYPOINT)\b/i.test(lines[i]) && cmdLine === -1) cmdLine = i;
      }
      if (fromLine === -1) return;
      if (user !== undefined) {
        if (!/^(?:root|0)(?::.*)?$/.test(user)) return;
      } else if (NON_ROOT_IMAGE.test(image) || image === 'scratch') return;
      const nodeImage = /^(?:docker\.io\/)?(?:library\/)?node:/.test(image);
      const fix =
        nodeImage && cmdLine !== -1 && user === undefined
          ? { startLine: cmdLine + 1, endLine: cmdLine + 1, replacement: `USER node\n${lines[cmdLine]}` }
          : undefined;
      ctx.report({
        startLine: fromLine + 1,
        message: `The final stage (\`${image}\`) ${user === undefined ? 'never sets a `USER`' : `sets \`USER ${user}\``}, so the service runs as root in the container: a code-execution bug gets root over its filesystem and an easier path to the host. Add ${nodeImage ? '`USER node`' : 'a non-root user (`RUN useradd -r -u 10001 app` then `USER 10001`)'} before \`CMD\`.`,
        fix,
      });
    },
  },
});
