import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

/**
 * The parts of the `yaml` package the analyzers use, loaded on first use: most reviews
 * have no YAML file, and loading the package costs a few tens of milliseconds at every
 * start of the CLI. Under Node `yaml` is CommonJS, so `require` returns the very module
 * instance an `import` would.
 */
let yaml: typeof Yaml | undefined;
const load = (): typeof Yaml => (yaml ??= createRequire(import.meta.url)('yaml') as typeof Yaml);

export type { Document, Node, Pair, YAMLMap } from 'yaml';

export const parseDocument = ((...args: Parameters<typeof Yaml.parseDocument>) => load().parseDocument(...args)) as typeof Yaml.parseDocument;
export const parseAllDocuments = ((...args: Parameters<typeof Yaml.parseAllDocuments>) => load().parseAllDocuments(...args)) as typeof Yaml.parseAllDocuments;
export const isMap = ((node: unknown) => load().isMap(node)) as typeof Yaml.isMap;
export const isPair = ((node: unknown) => load().isPair(node)) as typeof Yaml.isPair;
export const isScalar = ((node: unknown) => load().isScalar(node)) as typeof Yaml.isScalar;
export const isSeq = ((node: unknown) => load().isSeq(node)) as typeof Yaml.isSeq;

/** `new LineCounter()` builds the package's own LineCounter. */
export type LineCounter = Yaml.LineCounter;
export const LineCounter = function LineCounter() {
  return new (load().LineCounter)();
} as unknown as typeof Yaml.LineCounter;
