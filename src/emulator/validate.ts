import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { OPERATIONS } from './operations.js';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema?: object;
}

interface OperationSchema {
  operationId: string;
  parameters: Parameter[];
  body: object | null;
}

export interface MatchedRoute {
  operation: string;
  params: Record<string, string>;
}

/** Finds fixtures/github/schemas.json from src/emulator or dist/src/emulator. */
function schemasPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'fixtures/github/schemas.json');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('fixtures/github/schemas.json not found; run scripts/extract-github-schemas.ts');
}

/**
 * Validates requests against GitHub's OpenAPI request schemas (extracted by
 * scripts/extract-github-schemas.ts): the route must be one GitHub has, path and query
 * parameters must have the documented types, and the JSON body must match the schema.
 */
export class RequestValidator {
  private readonly operations: Record<string, OperationSchema>;
  private readonly ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: false });
  private readonly bodies = new Map<string, ValidateFunction>();
  private readonly routes: { operation: string; method: string; regex: RegExp; names: string[] }[];

  constructor(path = schemasPath()) {
    // ajv-formats is CommonJS; under NodeNext its default import is the module object.
    const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;
    addFormats(this.ajv);
    this.operations = (JSON.parse(readFileSync(path, 'utf8')) as { operations: Record<string, OperationSchema> }).operations;
    this.routes = OPERATIONS.map((operation) => {
      const [method, template] = operation.split(' ');
      const names: string[] = [];
      const regex = new RegExp(
        '^' +
          template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
            names.push(name);
            return name === 'path' ? '(.+)' : '([^/]+)';
          }) +
          '$',
      );
      return { operation, method, regex, names };
    });
  }

  match(method: string, pathname: string): MatchedRoute | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1])));
      return { operation: route.operation, params };
    }
    return undefined;
  }

  /** Problems with a request to a matched route; empty when it is valid. */
  validate(route: MatchedRoute, query: URLSearchParams, body: unknown): string[] {
    const op = this.operations[route.operation];
    if (!op) return [`${route.operation}: no schema extracted; add it to src/emulator/operations.ts and re-run the extraction`];
    const problems: string[] = [];
    for (const p of op.parameters) {
      const raw = p.in === 'path' ? route.params[p.name] : p.in === 'query' ? query.get(p.name) ?? undefined : undefined;
      if (p.in === 'header') continue;
      if (raw === undefined) {
        if (p.required) problems.push(`${p.in} parameter ${p.name} is required`);
        continue;
      }
      const problem = this.checkScalar(p, raw);
      if (problem) problems.push(problem);
    }
    const known = new Set(op.parameters.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of query.keys()) if (!known.has(name)) problems.push(`unknown query parameter ${name}`);
    if (op.body) {
      let validateBody = this.bodies.get(route.operation);
      if (!validateBody) {
        validateBody = this.ajv.compile(op.body);
        this.bodies.set(route.operation, validateBody);
      }
      if (!validateBody(body ?? {})) {
        for (const e of validateBody.errors ?? []) problems.push(`body${e.instancePath || ''} ${e.message}${e.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : ''}`);
      }
    } else if (body !== undefined && body !== null && !(typeof body === 'object' && Object.keys(body).length === 0)) {
      problems.push('this operation takes no request body');
    }
    return problems;
  }

  private checkScalar(p: Parameter, raw: string): string | undefined {
    const schema = (p.schema ?? {}) as { type?: string; enum?: unknown[]; maximum?: number; minimum?: number };
    let value: unknown = raw;
    if (schema.type === 'integer' || schema.type === 'number') {
      if (!/^-?\d+(\.\d+)?$/.test(raw)) return `${p.in} parameter ${p.name} must be a number, got "${raw}"`;
      value = Number(raw);
      if (schema.maximum !== undefined && (value as number) > schema.maximum) return `${p.in} parameter ${p.name} must be ≤ ${schema.maximum}`;
      if (schema.minimum !== undefined && (value as number) < schema.minimum) return `${p.in} parameter ${p.name} must be ≥ ${schema.minimum}`;
    }
    if (schema.type === 'boolean' && raw !== 'true' && raw !== 'false') return `${p.in} parameter ${p.name} must be true or false`;
    if (schema.enum && !schema.enum.includes(value)) return `${p.in} parameter ${p.name} must be one of ${schema.enum.join(', ')}`;
    return undefined;
  }
}
