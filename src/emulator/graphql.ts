import type { EmulatorResponse, GitHubEmulator } from './emulator.js';

const ok = (data: unknown): EmulatorResponse => ({ status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: { data } });
const fail = (message: string): EmulatorResponse => ({ status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: { data: null, errors: [{ type: 'INVALID', message }] } });

/**
 * The GraphQL operations the app sends, recognised by operation name: batched blob reads,
 * listing review threads, and resolving or reopening a thread. Anything else is a violation.
 * Every variable the query declares must be supplied, with the declared non-null-ness.
 */
export function handleGraphql(emu: GitHubEmulator, body: unknown): EmulatorResponse {
  const { query, variables = {} } = (body ?? {}) as { query?: string; variables?: Record<string, unknown> };
  if (typeof query !== 'string') {
    emu.violations.push('POST /graphql: body.query must be a string');
    return fail('A query attribute must be specified and must be a string.');
  }
  for (const m of query.matchAll(/\$(\w+):\s*([\w!]+)/g)) {
    const [, name, type] = m;
    if (type.endsWith('!') && (variables[name] === undefined || variables[name] === null)) {
      emu.violations.push(`POST /graphql: variable $${name} (${type}) was not supplied`);
      return fail(`Variable $${name} of type ${type} was provided invalid value`);
    }
  }
  const operation = /\b(query|mutation)\s+(\w+)/.exec(query)?.[2];
  const repo = typeof variables.owner === 'string' && typeof variables.name === 'string' ? emu.repo(variables.owner, variables.name) : undefined;

  switch (operation) {
    case 'Blobs': {
      if (!repo) return fail('Could not resolve to a Repository');
      const out: Record<string, unknown> = {};
      for (const m of query.matchAll(/(\w+): object\(expression: \$(\w+)\)/g)) {
        const expression = String(variables[m[2]]);
        const colon = expression.indexOf(':');
        const content = emu.fileAt(repo, expression.slice(0, colon), expression.slice(colon + 1));
        out[m[1]] =
          content === undefined
            ? null
            : { text: content.includes('\0') ? null : content, byteSize: Buffer.byteLength(content), isBinary: content.includes('\0'), isTruncated: false };
      }
      return ok({ repository: out });
    }
    case 'ReviewThreads': {
      if (!repo) return fail('Could not resolve to a Repository');
      const pull = emu.pull(repo, Number(variables.number));
      if (!pull) return ok({ repository: { pullRequest: null } });
      const all = emu.threadsOf(pull);
      const start = variables.cursor ? Number(variables.cursor) : 0;
      const page = all.slice(start, start + 100);
      return ok({
        repository: {
          pullRequest: {
            reviewThreads: {
              pageInfo: { hasNextPage: start + 100 < all.length, endCursor: start + 100 < all.length ? String(start + 100) : null },
              nodes: page.map((t) => ({
                id: t.id,
                isResolved: t.isResolved,
                resolvedBy: t.isResolved && t.resolvedBy ? { login: t.resolvedBy.replace(/\[bot\]$/, '') } : null,
                path: t.path,
                comments: {
                  nodes: t.comments.slice(0, 1).map((c) => ({
                    body: c.body,
                    url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}#discussion_r${c.id}`,
                    // GraphQL gives a bot's login without the "[bot]" suffix.
                    author: { login: c.author.replace(/\[bot\]$/, '') },
                  })),
                },
              })),
            },
          },
        },
      });
    }
    case 'ResolveReviewThread':
    case 'UnresolveReviewThread': {
      const thread = emu.threads.find((t) => t.id === variables.threadId);
      if (!thread) return fail(`Could not resolve to a node with the global id of '${String(variables.threadId)}'`);
      thread.isResolved = operation === 'ResolveReviewThread';
      thread.resolvedBy = thread.isResolved ? emu.botLogin : undefined;
      const field = operation === 'ResolveReviewThread' ? 'resolveReviewThread' : 'unresolveReviewThread';
      return ok({ [field]: { thread: { id: thread.id, isResolved: thread.isResolved } } });
    }
    default:
      emu.violations.push(`POST /graphql: unexpected operation ${operation ?? '(anonymous)'}`);
      return fail(`Unknown operation ${operation}`);
  }
}
