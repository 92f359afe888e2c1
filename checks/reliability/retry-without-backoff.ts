import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { callee, chainText, numberValue, unwrap } from '../../src/analyzers/code/ast.js';

const SLEEP = /^(?:sleep|delay|wait|pause|timeout|setTimeout|setTimeoutPromise|sleepMs|waitMs|backoffSleep)$/;
const RETRY_WORDS = /\b(?:attempts?|retry|retries|retrying|tries|maxRetries|maxAttempts|retryCount|attemptCount)\b/i;
const RANDOM = /Math\.random|random(?:Int)?\(|jitter/i;
const isLoop = (n: ts.Node): n is ts.IterationStatement => ts.isForStatement(n) || ts.isForOfStatement(n) || ts.isForInStatement(n) || ts.isWhileStatement(n) || ts.isDoStatement(n);

/** The delay expression of `await sleep(ms)`, `await setTimeout(ms)` or `await new Promise((r) => setTimeout(r, ms))`. */
function delayOf(e: ts.AwaitExpression): ts.Expression | undefined {
  const x = unwrap(e.expression);
  if (ts.isCallExpression(x)) {
    const c = callee(x);
    if (c && SLEEP.test(c.name) && x.arguments.length >= 1 && !ts.isFunctionLike(unwrap(x.arguments[0]))) return x.arguments[0];
  }
  if (ts.isNewExpression(x) && chainText(x.expression) === 'Promise' && x.arguments?.[0]) {
    const fn = unwrap(x.arguments[0]);
    if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return undefined;
    let found: ts.Expression | undefined;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (ts.isCallExpression(n) && chainText(n.expression) === 'setTimeout' && n.arguments.length >= 2) found = n.arguments[1];
      else ts.forEachChild(n, visit);
    };
    visit(fn.body);
    return found;
  }
  return undefined;
}

export default defineRule({
  meta: {
    id: 'reliability/retry-without-backoff',
    area: 'reliability',
    severity: 'warning',
    title: 'Retry loop with a fixed delay or without jitter',
    guidance: 'SKILL.md › Handle partial failures',
    checklist: ['reliability.timeouts'],
    description:
      'When a dependency fails, every instance retries. With a fixed delay they keep hammering it at full rate while it tries to recover; with backoff but no jitter they retry in synchronised waves. Either way the retries prolong the outage. Back off exponentially, add random jitter, and cap the attempts: `await sleep(Math.random() * Math.min(cap, base * 2 ** attempt))`.',
    examples: {
      bad: [
        {
          path: 'src/clients/payments.ts',
          code: [
            "import { setTimeout as sleep } from 'node:timers/promises';",
            '',
            'export async function chargeWithRetry(charge: () => Promise<string>) {',
            '  for (let attempt = 1; attempt <= 5; attempt++) {',
            '    try {',
            '      return await charge();',
            '    } catch (err) {',
            '      if (attempt === 5) throw err;',
            '      await sleep(1000);',
            '    }',
            '  }',
            "  throw new Error('unreachable');",
            '}',
            '',
          ].join('\n'),
        },
        {
          path: 'src/clients/search.ts',
          code: [
            'const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));',
            '',
            'export async function indexWithRetry(send: () => Promise<void>) {',
            '  let attempt = 0;',
            '  while (true) {',
            '    try {',
            '      return await send();',
            '    } catch (err) {',
            '      if (++attempt >= 4) throw err;',
            '      await wait(200 * 2 ** attempt);',
            '    }',
            '  }',
            '}',
            '',
          ].join('\n'),
        },
      ],
      good: [
        {
          path: 'src/clients/payments.ts',
          code: [
            "import { setTimeout as sleep } from 'node:timers/promises';",
            '',
            'export async function chargeWithRetry(charge: () => Promise<string>) {',
            '  for (let attempt = 1; attempt <= 5; attempt++) {',
            '    try {',
            '      return await charge();',
            '    } catch (err) {',
            '      if (attempt === 5) throw err;',
            '      await sleep(Math.random() * Math.min(10_000, 200 * 2 ** attempt));',
            '    }',
            '  }',
            "  throw new Error('unreachable');",
            '}',
            '',
          ].join('\n'),
        },
        {
          path: 'src/jobs/poller.ts',
          code: "import { setTimeout as sleep } from 'node:timers/promises';\n\nexport async function poll(check: () => Promise<boolean>) {\n  while (!(await check())) {\n    await sleep(5000);\n  }\n}\n",
          note: 'A polling interval is not a retry.',
        },
      ],
    },
  },
  code: {
    kinds: ['AwaitExpression'],
    visit(node, ctx) {
      const delay = delayOf(node as ts.AwaitExpression);
      if (!delay) return;
      const loop = ts.findAncestor(node, (n) => isLoop(n) || ts.isFunctionLike(n));
      if (!loop || !isLoop(loop)) return;
      const loopText = loop.getText(ctx.file.sourceFile);
      if (!RETRY_WORDS.test(loopText) && !/\bcatch\b/.test(loopText)) return;
      if (!RETRY_WORDS.test(loopText)) return;
      const d = unwrap(delay);
      const delayText = d.getText(ctx.file.sourceFile);
      if (RANDOM.test(delayText)) return;
      let fixed = numberValue(d, ctx.file) !== undefined;
      if (!fixed && ts.isIdentifier(d)) {
        // A variable changed inside the loop (delay *= 2) backs off; one that is not, is a fixed delay.
        const changed = new RegExp(`\\b${d.text}\\s*(?:[*+]?=|\\+\\+)`).test(loopText);
        if (changed) {
          if (RANDOM.test(loopText)) return;
        } else fixed = true;
      } else if (!fixed) {
        // Computed in place: backs off only if it depends on a counter; a helper call is not ours to judge.
        if (ts.isCallExpression(d) && !/Math\.(?:min|max|pow)/.test(delayText)) return;
        if (!RETRY_WORDS.test(delayText) && !/\*\*|Math\.pow|<</.test(delayText)) return;
      }
      ctx.report({
        startLine: ctx.file.lineOf(node),
        message: fixed
          ? `This retry loop waits a fixed \`${delayText}\` between attempts, so every instance keeps hitting a struggling dependency at the same rate and slows its recovery. Back off exponentially with jitter: \`await sleep(Math.random() * Math.min(10_000, 200 * 2 ** attempt))\`.`
          : `This retry loop backs off (\`${delayText}\`) but without jitter, so all instances that failed together retry together, in waves that knock the dependency over again. Randomise the delay: \`Math.random() * ${delayText}\` (full jitter).`,
      });
    },
  },
});
