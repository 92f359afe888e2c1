import { ruleById } from '../../checks/index.js';
import { applyFix, findingsOf, runExample } from '../../src/examples.js';
import type { Example, Finding } from '../../src/model.js';

/** Runs one rule on a snippet and returns its findings. */
export async function run(ruleId: string, path: string, code: string, extra: Partial<Example> = {}): Promise<Finding[]> {
  const rule = ruleById.get(ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  return findingsOf(await runExample(rule, { path, code, ...extra }), rule);
}

/** Lines the rule reports on. */
export async function lines(ruleId: string, path: string, code: string): Promise<number[]> {
  return (await run(ruleId, path, code)).map((f) => f.startLine);
}

/** The text after applying the first finding's fix. */
export async function fixed(ruleId: string, path: string, code: string): Promise<string> {
  const [f] = await run(ruleId, path, code);
  if (!f?.fix) throw new Error(`no fix from ${ruleId}`);
  return applyFix(code, f);
}
