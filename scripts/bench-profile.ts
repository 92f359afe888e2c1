/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self
 * time, and self time by module (a package in node_modules, our src/ or checks/, Node
 * internals, GC). Used by scripts/bench.ts for the "what the profile shows" part of
 * docs/benchmarks.md; also runnable by hand:
 *
 *   npx tsx scripts/bench-profile.ts some.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { realpathSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time in coarse buckets (module loading, GC, the two parsers, rules, analyzers). */
  buckets: { bucket: string; selfMs: number; pct: number }[];
  functions: { name: string; location: string; module: string; selfMs: number; pct: number }[];
  modules: { module: string; selfMs: number; pct: number }[];
  /** Our own functions (src/ and checks/, without the CLI and the engine loop) by total time, callees included. */
  ours: { name: string; location: string; module: string; totalMs: number; pct: number }[];
}

// The CLI and the engine's dispatch loop are on every stack, and the GitHub emulator is not
// the product; leaving them out shows which analyzer, rule or app step the time is spent under.
const isOurs = (module: string) => /^(src|checks)\//.test(module) && module !== 'src/cli.js' && module !== 'src/engine.js' && !module.startsWith('src/emulator');

/** Where a script URL comes from, coarse enough to act on. */
export function moduleOf(url: string, functionName = ''): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'V8/native (program)';
    return 'native';
  }
  if (url.startsWith('node:')) return 'Node internals';
  if (url.startsWith('wasm://')) return 'WebAssembly (the libpg-query parser)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const m = /\/(?:dist\/)?(src|checks|scripts)\/(.*)$/.exec(path);
  if (m) {
    const dir = m[2].split('/');
    return m[1] === 'checks' ? `checks/${dir[0]}` : `${m[1]}/${dir.length > 1 ? dir.slice(0, -1).join('/') : dir[0]}`;
  }
  return path.split('/').slice(-2).join('/');
}

export function summariseProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // A sample's time is the gap until the next sample.
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, dt));
  }
  let total = 0;
  const fns = new Map<string, { name: string; location: string; module: string; us: number }>();
  const mods = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    total += us;
    const module = moduleOf(url, functionName);
    const file = url ? url.replace(/^file:\/\//, '').split('/').slice(-1)[0] : '';
    const location = url ? `${file}:${lineNumber + 1}` : '';
    const name = functionName || '(anonymous)';
    const key = `${name}@${url}:${lineNumber}`;
    const f = fns.get(key) ?? { name, location, module, us: 0 };
    f.us += us;
    fns.set(key, f);
    mods.set(module, (mods.get(module) ?? 0) + us);
  }
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Buckets by the leaf function, except that anything the GitHub emulator calls (JSON,
  // diffing for patches) is the emulator's.
  const underEmulator = new Map<number, boolean>();
  const inEmulator = (id: number): boolean => {
    const known = underEmulator.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const here = Boolean(node && moduleOf(node.callFrame.url, node.callFrame.functionName).startsWith('src/emulator'));
    const p = parent.get(id);
    const result = here || (p !== undefined && inEmulator(p));
    underEmulator.set(id, result);
    return result;
  };
  const bucketUs = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const b = inEmulator(id) ? 'the GitHub emulator' : bucketOf(node.callFrame.functionName || '(anonymous)', moduleOf(node.callFrame.url, node.callFrame.functionName));
    bucketUs.set(b, (bucketUs.get(b) ?? 0) + us);
  }
  // Inclusive time of our functions: each sample counts once for every distinct function of
  // ours on its stack (recursion is not double-counted).
  const inclusive = new Map<string, { name: string; location: string; module: string; us: number }>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur);
      if (!node) break;
      const { functionName, url, lineNumber } = node.callFrame;
      const module = moduleOf(url, functionName);
      if (!isOurs(module)) continue;
      const key = `${functionName}@${url}:${lineNumber}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const file = url.replace(/^file:\/\//, '').split('/').slice(-1)[0];
      const entry = inclusive.get(key) ?? { name: functionName || '(anonymous)', location: `${file}:${lineNumber + 1}`, module, us: 0 };
      entry.us += us;
      inclusive.set(key, entry);
    }
  }
  const pct = (us: number) => (total > 0 ? (100 * us) / total : 0);
  return {
    totalMs: total / 1000,
    buckets: [...bucketUs.entries()].sort((a, b) => b[1] - a[1]).map(([bucket, us]) => ({ bucket, selfMs: us / 1000, pct: pct(us) })),
    functions: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, location: f.location, module: f.module, selfMs: f.us / 1000, pct: pct(f.us) })),
    modules: [...mods.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([module, us]) => ({ module, selfMs: us / 1000, pct: pct(us) })),
    ours: [...inclusive.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, location: f.location, module: f.module, totalMs: f.us / 1000, pct: pct(f.us) })),
  };
}

const LOADING = new Set(['wrapSafe', 'compileSourceTextModule', 'parseCJS', 'parseSource', 'detectModuleFormat', 'compileForInternalLoader', 'compileFunction', 'internalCompileFunction', 'Module._compile', 'moduleStrategy']);

function bucketOf(name: string, module: string): string {
  if (module === 'Node internals' && LOADING.has(name)) return 'loading and compiling JavaScript modules';
  if (module === 'GC') return 'garbage collection';
  if (module.startsWith('WebAssembly') || module === 'libpg-query') return 'the Postgres parser (libpg-query, WASM and its JS glue)';
  if (module === '@ts-morph/common' || module === 'ts-morph' || module === 'typescript') return 'the TypeScript compiler (parsing, tree walks)';
  if (module.startsWith('checks/')) return 'rules (checks/)';
  if (module.startsWith('src/analyzers')) return 'analyzers (src/analyzers/)';
  if (module.startsWith('src/emulator')) return 'the GitHub emulator';
  if (module.startsWith('src/')) return 'the rest of src/';
  return 'everything else (Node internals, native code, other packages)';
}

/** One sentence: where the sampled time went, by bucket. */
export function profileHeadline(s: ProfileSummary, top = 5): string {
  return `Of ${s.totalMs.toFixed(0)} ms sampled: ${s.buckets
    .slice(0, top)
    .map((b) => `${b.bucket} ${b.selfMs.toFixed(0)} ms (${b.pct.toFixed(0)} %)`)
    .join(', ')}.`;
}

/** Markdown tables for docs/benchmarks.md. */
export function profileMarkdown(s: ProfileSummary, topFunctions = 12, topModules = 8, topOurs = 12): string {
  const lines = [
    profileHeadline(s),
    '',
    '| Self time by module | ms | share |',
    '|---|---:|---:|',
    ...s.modules.slice(0, topModules).map((m) => `| ${m.module} | ${m.selfMs.toFixed(0)} | ${m.pct.toFixed(1)} % |`),
    '',
    '| Top functions by self time | where | ms | share |',
    '|---|---|---:|---:|',
    ...s.functions
      .slice(0, topFunctions)
      .map((f) => `| \`${f.name.replace(/\|/g, '\\|')}\` | ${f.location ? `${f.module}: ${f.location}` : f.module} | ${f.selfMs.toFixed(0)} | ${f.pct.toFixed(1)} % |`),
    '',
    '| Our analyzers, rules and app steps by total time (callees included) | where | ms | share |',
    '|---|---|---:|---:|',
    ...s.ours
      .slice(0, topOurs)
      .map((f) => `| \`${f.name.replace(/\|/g, '\\|')}\` | ${f.module}: ${f.location} | ${f.totalMs.toFixed(0)} | ${f.pct.toFixed(1)} % |`),
  ];
  return lines.join('\n');
}

function invokedDirectly(): boolean {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: tsx scripts/bench-profile.ts <file.cpuprofile> [top]\n');
    process.exitCode = 2;
  } else {
    const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(top ?? 15));
    process.stdout.write(profileMarkdown(summary, Number(top ?? 15), Number(top ?? 15)) + '\n');
  }
}
