import { isMap, isScalar, LineCounter, parseDocument, type Document } from './yaml.js';

/**
 * OpenAPI 3 documents (YAML or JSON) and the breaking differences between two versions
 * of one: removed paths and operations, removed response properties, changed property
 * types, and new required parameters or request properties. `$ref`s inside the
 * document are followed; external references are not.
 */

export interface OpenApiDoc {
  doc: Document;
  json: Record<string, unknown>;
  lines: LineCounter;
}

export const OPENAPI_MARKER = /^\s*["']?openapi["']?\s*:\s*["']?3\./m;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];
const MAX_BYTES = 5 * 1024 * 1024;

export function parseOpenApi(text: string): OpenApiDoc | undefined {
  if (text.length > MAX_BYTES || !OPENAPI_MARKER.test(text)) return undefined;
  const lines = new LineCounter();
  try {
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
    if (doc.errors.length > 0) return undefined;
    const json = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
    if (!json || typeof json !== 'object' || typeof json.paths !== 'object') return undefined;
    return { doc, json, lines };
  } catch {
    return undefined;
  }
}

/** 1-based line of the deepest key of `path` that exists in the document. */
export function lineOfPath(api: OpenApiDoc, path: (string | number)[]): number {
  let node: unknown = api.doc.contents;
  let line = 1;
  for (const key of path) {
    if (!isMap(node)) break;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
    if (!pair || !isScalar(pair.key) || !pair.key.range) break;
    line = api.lines.linePos(pair.key.range[0]).line;
    node = pair.value;
  }
  return line;
}

export interface BreakingChange {
  kind: 'path-removed' | 'operation-removed' | 'response-property-removed' | 'property-type-changed' | 'required-parameter-added' | 'required-property-added';
  /** `GET /users/{id}` */
  operation: string;
  detail: string;
  /** Location at the head to report on. */
  at: (string | number)[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);

/** Follows a local `$ref`, returning the target and its pointer. */
function deref(api: Obj, value: unknown, at: (string | number)[], depth = 0): { value: Obj | undefined; at: (string | number)[] } {
  const o = obj(value);
  if (!o || typeof o.$ref !== 'string' || depth > 20) return { value: o, at };
  const ref = o.$ref;
  if (!ref.startsWith('#/')) return { value: undefined, at };
  const parts = ref.slice(2).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur: unknown = api;
  for (const p of parts) cur = obj(cur)?.[p];
  return deref(api, cur, parts, depth + 1);
}

/** `/users/{id}` and `/users/{userId}` are the same path to a client. */
function normalisePath(p: string): string {
  return p.replace(/\{[^}]+\}/g, '{}');
}

export function diffOpenApi(base: OpenApiDoc, head: OpenApiDoc): BreakingChange[] {
  const out: BreakingChange[] = [];
  const bPaths = obj(base.json.paths) ?? {};
  const hPaths = obj(head.json.paths) ?? {};
  const hByNorm = new Map(Object.keys(hPaths).map((p) => [normalisePath(p), p]));
  for (const [path, bItemRaw] of Object.entries(bPaths)) {
    const bItem = deref(base.json, bItemRaw, ['paths', path]).value ?? {};
    const headPath = hByNorm.get(normalisePath(path));
    const bOps = METHODS.filter((m) => obj(bItem[m]));
    const allDeprecated = bOps.length > 0 && bOps.every((m) => obj(bItem[m])!.deprecated === true);
    if (!headPath) {
      if (!allDeprecated) out.push({ kind: 'path-removed', operation: path, detail: `the path \`${path}\` (${bOps.map((m) => m.toUpperCase()).join(', ')}) was removed`, at: ['paths'] });
      continue;
    }
    const hItem = deref(head.json, hPaths[headPath], ['paths', headPath]).value ?? {};
    for (const m of bOps) {
      const op = `${m.toUpperCase()} ${headPath}`;
      const bOp = obj(bItem[m])!;
      const hOp = obj(hItem[m]);
      if (!hOp) {
        if (bOp.deprecated !== true) out.push({ kind: 'operation-removed', operation: op, detail: `the operation \`${op}\` was removed`, at: ['paths', headPath] });
        continue;
      }
      const at = ['paths', headPath, m];
      // Parameters: new required ones, or optional ones made required.
      const bParams = params(base.json, bItem, bOp);
      for (const [key, p] of params(head.json, hItem, hOp)) {
        if (p.in === 'path' || p.required !== true) continue;
        const before = bParams.get(key);
        if (!before || before.required !== true) {
          out.push({ kind: 'required-parameter-added', operation: op, detail: `the ${p.in} parameter \`${p.name}\` is now required`, at: [...at, 'parameters'] });
        }
      }
      // Request body: new required properties.
      const bBody = deref(base.json, bOp.requestBody, []).value;
      const hBody = deref(head.json, hOp.requestBody, []).value;
      if (hBody) {
        if (hBody.required === true && bBody && bBody.required !== true) {
          out.push({ kind: 'required-property-added', operation: op, detail: 'the request body is now required', at: [...at, 'requestBody'] });
        }
        const bs = jsonSchema(base.json, bBody);
        const hs = jsonSchema(head.json, hBody);
        if (hs.value) compareRequest(base.json, head.json, bs.value, hs.value, '', op, hs.at.length ? hs.at : [...at, 'requestBody'], out, 0);
      }
      // Responses: removed properties and changed types in success responses.
      const bResponses = obj(bOp.responses) ?? {};
      const hResponses = obj(hOp.responses) ?? {};
      for (const code of Object.keys(bResponses)) {
        if (!/^2/.test(code) || !hResponses[code]) continue;
        const bs = jsonSchema(base.json, deref(base.json, bResponses[code], []).value);
        const hs = jsonSchema(head.json, deref(head.json, hResponses[code], []).value);
        if (!bs.value || !hs.value) continue;
        compareResponse(base.json, head.json, bs.value, hs.value, '', `${op} → ${code}`, hs.at.length ? hs.at : [...at, 'responses', code], out, 0);
      }
    }
  }
  return out;
}

function params(api: Obj, item: Obj, op: Obj): Map<string, Obj> {
  const out = new Map<string, Obj>();
  for (const list of [item.parameters, op.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const p = deref(api, raw, []).value;
      if (p && typeof p.name === 'string' && typeof p.in === 'string') out.set(`${p.in}:${p.name}`, p);
    }
  }
  return out;
}

function jsonSchema(api: Obj, holder: Obj | undefined): { value: Obj | undefined; at: (string | number)[] } {
  const content = obj(holder?.content);
  if (!content) return { value: undefined, at: [] };
  const media = content['application/json'] ?? Object.entries(content).find(([k]) => /json/.test(k))?.[1];
  const schema = obj(media)?.schema;
  return deref(api, schema, []);
}

interface Shape {
  type?: string;
  properties: Map<string, unknown>;
  required: Set<string>;
  items?: unknown;
  open: boolean;
}

/** Properties, required names and type of a schema, with `allOf` merged; `oneOf`/`anyOf` are left alone. */
function shape(api: Obj, schema: Obj | undefined, depth = 0): Shape {
  const s: Shape = { properties: new Map(), required: new Set(), open: false };
  if (!schema || depth > 10) return s;
  if (Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf)) s.open = true;
  if (typeof schema.type === 'string') s.type = schema.type;
  else if (Array.isArray(schema.type)) s.type = schema.type.filter((t) => t !== 'null').join('|');
  for (const [k, v] of Object.entries(obj(schema.properties) ?? {})) s.properties.set(k, v);
  if (Array.isArray(schema.required)) for (const r of schema.required) if (typeof r === 'string') s.required.add(r);
  if (schema.items) s.items = schema.items;
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf) {
      const sub = shape(api, deref(api, part, []).value, depth + 1);
      for (const [k, v] of sub.properties) s.properties.set(k, v);
      for (const r of sub.required) s.required.add(r);
      s.type ??= sub.type;
      s.open ||= sub.open;
    }
  }
  if (!s.type && s.properties.size > 0) s.type = 'object';
  return s;
}

function compareResponse(bApi: Obj, hApi: Obj, bRaw: Obj, hRaw: Obj, prefix: string, op: string, at: (string | number)[], out: BreakingChange[], depth: number): void {
  if (depth > 6) return;
  const b = shape(bApi, bRaw);
  const h = shape(hApi, hRaw);
  if (b.open || h.open) return;
  if (b.type && h.type && b.type !== h.type) {
    out.push({ kind: 'property-type-changed', operation: op, detail: `${prefix ? `\`${prefix}\`` : 'the response body'} changed type from \`${b.type}\` to \`${h.type}\``, at });
    return;
  }
  if (b.type === 'array' && h.type === 'array') {
    const bi = deref(bApi, b.items, []);
    const hi = deref(hApi, h.items, []);
    if (bi.value && hi.value) compareResponse(bApi, hApi, bi.value, hi.value, `${prefix}[]`, op, hi.at.length ? hi.at : at, out, depth + 1);
    return;
  }
  for (const [name, bProp] of b.properties) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (!h.properties.has(name)) {
      const bp = deref(bApi, bProp, []).value;
      if (bp?.deprecated === true) continue;
      out.push({ kind: 'response-property-removed', operation: op, detail: `the response property \`${path}\` was removed`, at: [...at, 'properties'] });
      continue;
    }
    const bp = deref(bApi, bProp, []);
    const hp = deref(hApi, h.properties.get(name), []);
    if (bp.value && hp.value) compareResponse(bApi, hApi, bp.value, hp.value, path, op, hp.at.length ? hp.at : [...at, 'properties', name], out, depth + 1);
  }
}

function compareRequest(bApi: Obj, hApi: Obj, bRaw: Obj | undefined, hRaw: Obj, prefix: string, op: string, at: (string | number)[], out: BreakingChange[], depth: number): void {
  if (depth > 6) return;
  const b = shape(bApi, bRaw);
  const h = shape(hApi, hRaw);
  if (b.open || h.open) return;
  if (bRaw && b.type && h.type && b.type !== h.type) {
    out.push({ kind: 'property-type-changed', operation: op, detail: `the request ${prefix ? `property \`${prefix}\`` : 'body'} changed type from \`${b.type}\` to \`${h.type}\``, at });
    return;
  }
  for (const name of h.required) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (!b.required.has(name) && (bRaw || depth === 0)) {
      out.push({ kind: 'required-property-added', operation: op, detail: `the request property \`${path}\` is now required`, at: [...at, 'required'] });
    }
  }
  for (const [name, hProp] of h.properties) {
    if (!b.properties.has(name)) continue;
    const bp = deref(bApi, b.properties.get(name), []);
    const hp = deref(hApi, hProp, []);
    if (hp.value) compareRequest(bApi, hApi, bp.value, hp.value, prefix ? `${prefix}.${name}` : name, op, hp.at.length ? hp.at : [...at, 'properties', name], out, depth + 1);
  }
}
