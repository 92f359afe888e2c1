import type { ChangeContext } from '../../rule.js';
import { importClosure, importsOf, routeIndex, type RouteIndex } from './route-index.js';
import { resolveImport, resolveRoutes, type FileRoutes, type Framework, type ListenCall, type Route } from './routes.js';

/** An HTTP server entry point: a `listen()` (or `serve()`) on an application the route model knows. */
export interface ServerEntry {
  /** The changed file that calls listen(). */
  file: FileRoutes;
  listen: ListenCall;
  framework: Framework;
  /** The files the entry reaches through relative imports, itself included. */
  closure: FileRoutes[];
  /** False when a relative import could not be read: the app may do more than the review can see. */
  complete: boolean;
  /** Every route of the closure, resolved. */
  routes: Route[];
  index: RouteIndex;
}

const cache = new WeakMap<object, Promise<ServerEntry[]>>();

export function serverEntries(ctx: ChangeContext): Promise<ServerEntry[]> {
  let p = cache.get(ctx.files);
  if (!p) {
    p = build(ctx);
    cache.set(ctx.files, p);
  }
  return p;
}

async function build(ctx: ChangeContext): Promise<ServerEntry[]> {
  const index = await routeIndex(ctx);
  const out: ServerEntry[] = [];
  for (const fr of index.changed.values()) {
    for (const listen of fr.listens) {
      const framework = await appFramework(index, fr, listen.app);
      if (!framework) continue;
      const closure = await importClosure(index, fr);
      const known = new Set([...index.treePaths, ...index.loaded.keys()]);
      let complete = closure.length < 80;
      for (const f of closure) {
        for (const module of importsOf(f)) {
          if (!resolveImport(f.file.path, module, (p) => known.has(p))) complete = false;
        }
      }
      out.push({ file: fr, listen, framework, closure, complete, routes: resolveRoutes(closure), index });
    }
  }
  return out;
}

async function appFramework(index: RouteIndex, fr: FileRoutes, name: string, depth = 0): Promise<Framework | undefined> {
  if (name.endsWith('()')) {
    // createApp().listen(): the application the factory builds
    const fn = name.slice(0, -2);
    if (!fr.imports.has(fn)) return [...fr.routers.values()].find((r) => r.kind === 'app')?.framework;
    const imp = fr.imports.get(fn)!;
    const known = new Set([...index.treePaths, ...index.loaded.keys()]);
    const target = imp.module.startsWith('.') ? resolveImport(fr.file.path, imp.module, (p) => known.has(p)) : undefined;
    const tf = target ? await index.load(target) : undefined;
    return tf ? [...tf.routers.values()].find((r) => r.kind === 'app')?.framework : undefined;
  }
  const decl = fr.routers.get(name);
  if (decl) return decl.kind === 'app' ? decl.framework : undefined;
  const imp = fr.imports.get(name);
  if (!imp || !imp.module.startsWith('.') || depth > 3) return undefined;
  const known = new Set([...index.treePaths, ...index.loaded.keys()]);
  const target = resolveImport(fr.file.path, imp.module, (p) => known.has(p));
  const tf = target ? await index.load(target) : undefined;
  if (!tf) return undefined;
  const local = imp.name === '*' ? tf.exports.get('default') : tf.exports.get(imp.name);
  return local ? appFramework(index, tf, local, depth + 1) : undefined;
}
