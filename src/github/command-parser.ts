/** A slash command found in a PR comment. */
export type Command =
  | { name: 'review' }
  | { name: 'help' }
  | { name: 'explain'; ruleId?: string }
  | { name: 'ignore'; ruleId?: string; reason: string }
  | { name: 'unknown'; word: string };

export const COMMAND_NAMES = ['review', 'help', 'explain', 'ignore'] as const;

/**
 * Finds `/backend-review <cmd>` or `@<app-slug> <cmd>` at the start of a line, outside
 * quoted replies and code blocks. Returns the first one.
 */
export function parseCommand(body: string, slug: string): Command | undefined {
  const prefixes = ['/backend-review', `@${slug}`].map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`^\\s*(?:${prefixes.join('|')})(?:\\[bot\\])?\\s+(\\S+)(?:[ \\t]+(.*))?$`, 'i');
  let inFence = false;
  for (const line of body.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence || /^\s*>/.test(line)) continue;
    const m = pattern.exec(line);
    if (!m) continue;
    const word = m[1].toLowerCase();
    const rest = (m[2] ?? '').trim();
    switch (word) {
      case 'review':
      case 'help':
        return { name: word };
      case 'explain':
        return { name: 'explain', ruleId: rest.split(/\s+/)[0] || undefined };
      case 'ignore': {
        const [ruleId, ...reason] = rest.split(/\s+/);
        return { name: 'ignore', ruleId: ruleId || undefined, reason: reason.join(' ').trim() };
      }
      default:
        return { name: 'unknown', word: m[1] };
    }
  }
  return undefined;
}

export function helpText(slug: string): string {
  return [
    'Backend Review commands (write them as `/backend-review <command>` or `@' + slug + ' <command>`):',
    '',
    '| Command | What it does | Who |',
    '|---|---|---|',
    '| `review` | Reviews the latest commit again now | the author or anyone with write access |',
    '| `help` | Shows this list | the author or anyone with write access |',
    '| `explain <rule-id>` | Explains a rule and the guidance it follows | the author or anyone with write access |',
    '| `ignore <rule-id> <reason>` | Ignores a rule on this pull request; recorded in the summary with who and why | people with write access |',
  ].join('\n');
}
