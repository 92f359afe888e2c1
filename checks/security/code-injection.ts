import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { callee, chainText, importOf } from '../../src/analyzers/code/ast.js';
import { taintOf } from '../../src/analyzers/code/taint.js';

const VM_FUNCTIONS = new Set(['runInNewContext', 'runInThisContext', 'runInContext', 'compileFunction']);

export default defineRule({
  meta: {
    id: 'security/code-injection',
    area: 'security',
    severity: 'error',
    title: 'Request input evaluated as code',
    guidance: 'Security Reference › Injection Prevention Checklist',
    checklist: ['security.injection'],
    description:
      '`eval`, `new Function`, string `setTimeout` and the `vm` module compile their argument as JavaScript; with request input in it a caller runs code inside the service, with its credentials and network access (`vm` is not a security boundary). Parse data instead of evaluating it (`JSON.parse`, a small expression parser, or a lookup table of allowed operations).',
    examples: {
      bad: [
        {
          path: 'src/routes/pricing.ts',
          code: [
            "import { Router } from 'express';",
            '',
            'export const pricing = Router();',
            '',
            'function formulaFor(rule: string) {',
            '  return `return (${rule}) * basePrice;`;',
            '}',
            '',
            "pricing.post('/preview', (req, res) => {",
            '  const body = formulaFor(req.body.rule);',
            "  const price = new Function('basePrice', body);",
            '  res.json({ price: price(100) });',
            '});',
            '',
          ].join('\n'),
        },
      ],
      good: [
        {
          path: 'src/routes/pricing.ts',
          code: [
            "import { Router } from 'express';",
            '',
            'export const pricing = Router();',
            'const RULES: Record<string, (base: number) => number> = { standard: (b) => b, discount: (b) => b * 0.9 };',
            '',
            "pricing.post('/preview', (req, res) => {",
            '  const rule = RULES[String(req.body.rule)];',
            "  if (!rule) return res.status(400).json({ error: 'unknown rule' });",
            '  res.json({ price: rule(100) });',
            '});',
            '',
          ].join('\n'),
        },
      ],
    },
  },
  code: {
    kinds: ['CallExpression', 'NewExpression'],
    visit(node, ctx) {
      const call = node as ts.CallExpression | ts.NewExpression;
      const args = call.arguments ?? ts.factory.createNodeArray();
      if (args.length === 0) return;
      const c = callee(call);
      if (!c || !(c.name === 'eval' || c.name === 'Function' || c.name === 'setTimeout' || c.name === 'setInterval' || c.name === 'Script' || VM_FUNCTIONS.has(c.name))) return;
      const name = chainText(call.expression);
      let what: string | undefined;
      let inputs: readonly ts.Expression[] = [];
      if (ts.isNewExpression(call)) {
        if (name === 'Function') [what, inputs] = ['new Function', args];
        else if (c?.name === 'Script' && c.receiver && /^(?:node:)?vm$/.test(importOf(ctx.file, c.receiver)?.module ?? '')) [what, inputs] = ['new vm.Script', [args[0]]];
      } else if (name === 'eval' || name === 'Function') [what, inputs] = [name, [args[0]]];
      else if ((name === 'setTimeout' || name === 'setInterval') && (ts.isTemplateExpression(args[0]) || ts.isBinaryExpression(args[0]))) [what, inputs] = [`${name} with a string`, [args[0]]];
      else if (c && VM_FUNCTIONS.has(c.name)) {
        const mod = c.receiver ? importOf(ctx.file, c.receiver) : importOf(ctx.file, c.name);
        if (mod && /^(?:node:)?vm$/.test(mod.module)) [what, inputs] = [`vm.${c.name}`, [args[0]]];
      }
      if (!what) return;
      const taint = taintOf(ctx.file);
      if (!inputs.some((a) => taint.isTainted(a))) return;
      ctx.report({
        startLine: ctx.file.lineOf(call),
        message: `\`${what}\` compiles request input as JavaScript, so a caller can run any code in the service process with its secrets and network access. Treat the input as data: look the operation up in a fixed table, or parse it with \`JSON.parse\` or a dedicated expression parser.`,
      });
    },
  },
});
