export const META_RULES = {
  invalidSuppression: 'backend-review/invalid-suppression',
  unusedSuppression: 'backend-review/unused-suppression',
  analyzerError: 'backend-review/analyzer-error',
} as const;

/** Findings the engine itself reports about suppressions and its own failures. */
export const META_RULE_DOCS = [
  {
    id: META_RULES.invalidSuppression,
    title: 'Malformed suppression comment',
    description: 'A backend-review-ignore comment without a known rule id or without a reason. It suppresses nothing until it is fixed.',
  },
  {
    id: META_RULES.unusedSuppression,
    title: 'Suppression that suppresses nothing',
    description: 'A backend-review-ignore comment whose rule did not fire on the line or statement after it. Remove it or move it to the line it is meant for.',
  },
  {
    id: META_RULES.analyzerError,
    title: 'A rule failed on a file',
    description: 'A rule threw while analysing a file. The rest of the review went on; please report the file and message.',
  },
];
