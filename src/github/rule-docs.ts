import { ruleById } from '../../checks/index.js';
import { META_RULE_DOCS } from '../meta-rules.js';
import type { Severity } from '../model.js';

export interface RuleDoc {
  id: string;
  title: string;
  description: string;
  guidance?: string;
  severity: Severity;
}

/** The documentation of a rule id, including the engine's own meta rules. */
export function ruleDoc(id: string): RuleDoc | undefined {
  const rule = ruleById.get(id);
  if (rule) return { id, title: rule.meta.title, description: rule.meta.description, guidance: rule.meta.guidance, severity: rule.meta.severity };
  const meta = META_RULE_DOCS.find((m) => m.id === id);
  return meta ? { id, title: meta.title, description: meta.description, severity: 'notice' } : undefined;
}
