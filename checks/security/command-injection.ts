import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';
import { callee, constInit, importOf, prop, unwrap } from '../../src/analyzers/code/ast.js';
import { taintOf } from '../../src/analyzers/code/taint.js';

const CHILD_PROCESS = /^(?:node:)?child_process$/;
const SHELL_ALWAYS = new Set(['exec', 'execSync']);
const SHELL_OPTION = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync']);

/** The child_process function a call reaches: `exec(...)`, `cp.exec(...)`, `promisify(exec)(...)` aliases. */
function childProcessFunction(call: ts.CallExpression, file: CodeFile): string | undefined {
  const c = callee(call);
  if (!c) return undefined;
  if (!c.receiverNode) {
    const imp = importOf(file, c.name);
    if (imp && CHILD_PROCESS.test(imp.module) && imp.name !== '*' && imp.name !== 'default') return imp.name;
    // const run = promisify(exec) / util.promisify(cp.exec)
    const init = constInit(file, c.name);
    if (init && ts.isCallExpression(unwrap(init))) {
      const p = unwrap(init) as ts.CallExpression;
      const pc = callee(p);
      if (pc?.name === 'promisify' && p.arguments[0]) {
        const target = unwrap(p.arguments[0]);
        const name = ts.isIdentifier(target) ? target.text : ts.isPropertyAccessExpression(target) ? target.name.text : undefined;
        const root = ts.isIdentifier(target) ? target.text : ts.isPropertyAccessExpression(target) && ts.isIdentifier(target.expression) ? target.expression.text : undefined;
        const imp2 = root ? importOf(file, root) : undefined;
        if (name && imp2 && CHILD_PROCESS.test(imp2.module)) return imp2.name === '*' || imp2.name === 'default' ? name : imp2.name;
      }
    }
    return undefined;
  }
  if (!ts.isIdentifier(c.receiverNode)) return undefined;
  const root = c.receiverNode.text;
  const imp = importOf(file, root);
  if (imp && CHILD_PROCESS.test(imp.module) && (imp.name === '*' || imp.name === 'default') ) return c.name;
  return undefined;
}

export default defineRule({
  meta: {
    id: 'security/command-injection',
    area: 'security',
    severity: 'error',
    title: 'Shell command built from request input',
    guidance: 'Security Reference › Injection Prevention Checklist',
    checklist: ['security.injection'],
    description:
      '`exec`/`execSync` (and `spawn`/`execFile` with `shell: true`) hand the whole string to `/bin/sh`, so request input containing `;`, `|`, `$( )` or backticks runs arbitrary commands as the service user. Avoid the shell: call `execFile`/`spawn` with a fixed program and the input as a separate argument, and check the input against an allowlist.',
    examples: {
      bad: [
        {
          path: 'src/routes/reports.ts',
          code: [
            "import { Router } from 'express';",
            "import { exec } from 'node:child_process';",
            "import { promisify } from 'node:util';",
            '',
            'const run = promisify(exec);',
            'export const reports = Router();',
            '',
            "reports.post('/export', async (req, res) => {",
            '  const { format, name } = req.body;',
            '  const target = `/tmp/exports/${name}.${format}`;',
            '  await run(`pg_dump --table=reports --file=${target}`);',
            "  res.status(202).json({ status: 'queued' });",
            '});',
            '',
          ].join('\n'),
        },
      ],
      good: [
        {
          path: 'src/routes/reports.ts',
          code: [
            "import { Router } from 'express';",
            "import { execFile } from 'node:child_process';",
            "import { promisify } from 'node:util';",
            '',
            'const run = promisify(execFile);',
            'export const reports = Router();',
            "const FORMATS = new Set(['csv', 'json']);",
            '',
            "reports.post('/export', async (req, res) => {",
            '  const format = String(req.body.format);',
            "  if (!FORMATS.has(format)) return res.status(400).json({ error: 'unsupported format' });",
            "  await run('pg_dump', ['--table=reports', `--file=/tmp/exports/report.${format}`]);",
            "  res.status(202).json({ status: 'queued' });",
            '});',
            '',
          ].join('\n'),
        },
      ],
    },
  },
  code: {
    kinds: ['CallExpression'],
    visit(node, ctx) {
      const call = node as ts.CallExpression;
      const fn = childProcessFunction(call, ctx.file);
      if (!fn || call.arguments.length === 0) return;
      const taint = taintOf(ctx.file);
      let shell = SHELL_ALWAYS.has(fn);
      if (!shell && SHELL_OPTION.has(fn)) {
        const opts = call.arguments.find((a) => ts.isObjectLiteralExpression(unwrap(a)));
        const s = prop(opts, 'shell');
        shell = !!s && s.kind !== ts.SyntaxKind.FalseKeyword;
      }
      if (!shell) return;
      const args = SHELL_ALWAYS.has(fn) ? [call.arguments[0]] : call.arguments.filter((a) => !ts.isObjectLiteralExpression(unwrap(a)));
      const tainted = args.find((a) => taint.isTainted(a));
      if (!tainted) return;
      ctx.report({
        startLine: ctx.file.lineOf(call),
        message: `\`${fn}\` runs this command through a shell and part of it comes from the request, so input such as \`; rm -rf /\` or \`$(curl …)\` runs as the service user. Call \`execFile('program', [arg1, arg2])\` without a shell and validate the input against an allowlist first.`,
      });
    },
  },
});
