/**
 * Extracts the request schemas of the GitHub REST operations the app calls from
 * @octokit/openapi into fixtures/github/schemas.json, so tests and the emulator can
 * validate every request without the 385 MB package being installed.
 *
 *   npm pack @octokit/openapi --pack-destination /tmp && tar xzf /tmp/octokit-openapi-*.tgz -C /tmp
 *   npx tsx scripts/extract-github-schemas.ts /tmp/package/generated/api.github.com.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { OPERATIONS } from '../src/emulator/operations.js';

type Json = Record<string, unknown>;

const source = process.argv[2];
if (!source) {
  console.error('usage: tsx scripts/extract-github-schemas.ts <path to api.github.com.json from @octokit/openapi>');
  process.exitCode = 2;
} else {
  const spec = JSON.parse(readFileSync(source, 'utf8')) as Json;
  const out: Record<string, { operationId: string; parameters: Json[]; body: Json | null }> = {};
  for (const key of OPERATIONS) {
    const [method, path] = key.split(' ');
    const op = ((spec.paths as Json)[path] as Json | undefined)?.[method.toLowerCase()] as Json | undefined;
    if (!op) throw new Error(`${key}: not in the OpenAPI description`);
    const parameters = ((op.parameters as Json[]) ?? []).map((p) => resolve(spec, p) as Json).map((p) => ({
      name: p.name,
      in: p.in,
      required: p.required ?? false,
      schema: p.schema,
    }));
    const content = (resolve(spec, op.requestBody ?? {}) as Json).content as Json | undefined;
    const body = (content?.['application/json'] as Json | undefined)?.schema as Json | undefined;
    out[key] = { operationId: String(op.operationId), parameters, body: body ? (resolve(spec, body) as Json) : null };
  }
  writeFileSync('fixtures/github/schemas.json', JSON.stringify({ source: `@octokit/openapi ${versionOf(source)}`, operations: out }, null, 1) + '\n');
  console.log(`wrote ${Object.keys(out).length} operations to fixtures/github/schemas.json`);
}

/** Inlines every $ref; GitHub's request schemas are small and not recursive. */
function resolve(spec: Json, node: unknown, depth = 0, underProperties = false): unknown {
  if (depth > 40) throw new Error('schema too deep (recursive $ref?)');
  if (Array.isArray(node)) return node.map((n) => resolve(spec, n, depth + 1));
  if (!node || typeof node !== 'object') return node;
  const obj = node as Json;
  if (typeof obj.$ref === 'string') {
    const target = obj.$ref.replace(/^#\//, '').split('/').reduce<unknown>((at, k) => (at as Json)[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
    return resolve(spec, target, depth + 1);
  }
  const copy: Json = {};
  for (const [k, v] of Object.entries(obj)) {
    // Documentation keys are dropped, except where they name a property (an action's `description`).
    if (!underProperties && (k === 'examples' || k === 'example' || k === 'description' || k === 'x-github')) continue;
    copy[k] = resolve(spec, v, depth + 1, k === 'properties' && !underProperties);
  }
  return copy;
}

function versionOf(path: string): string {
  try {
    return JSON.parse(readFileSync(path.replace(/generated\/[^/]+$/, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}
