import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import { callee, enclosingFunction, importOf, prop } from '../../src/analyzers/code/ast.js';
import { taintOf } from '../../src/analyzers/code/taint.js';

const FS_FUNCTIONS = new Set([
  'readFile', 'readFileSync', 'createReadStream', 'createWriteStream', 'writeFile', 'writeFileSync', 'appendFile', 'appendFileSync',
  'unlink', 'unlinkSync', 'rm', 'rmSync', 'readdir', 'readdirSync', 'stat', 'statSync', 'open', 'openSync', 'copyFile', 'rename', 'access',
]);
const PREFIX_CHECK = /\.startsWith\(|path\.relative\(|isInside\w*\(|isSubPath\w*\(|within\w*\(/;

export default defineRule({
  meta: {
    id: 'security/path-traversal',
    area: 'security',
    severity: 'error',
    title: 'File path built from request input',
    guidance: 'Security Reference › OWASP Top 10 - Practical Prevention',
    checklist: ['security.injection'],
    description:
      'A file name from the request joined onto a directory can contain `../` (or be absolute), so `res.sendFile`, `res.download` and `fs` calls read or overwrite files outside that directory: `.env`, keys, source. Reduce the input to `path.basename`, or resolve the full path and check it still starts with the base directory; `res.sendFile(name, { root })` does that check for you.',
    examples: {
      bad: [
        {
          path: 'src/routes/files.ts',
          code: [
            "import { Router } from 'express';",
            "import path from 'node:path';",
            '',
            "const UPLOAD_DIR = path.resolve('uploads');",
            'export const files = Router();',
            '',
            "files.get('/:name', (req, res) => {",
            '  const file = path.join(UPLOAD_DIR, req.params.name);',
            '  res.sendFile(file);',
            '});',
            '',
          ].join('\n'),
        },
        {
          path: 'src/services/export.ts',
          code: [
            "import { readFile } from 'node:fs/promises';",
            "import type { Request, Response } from 'express';",
            '',
            'export async function downloadExport(req: Request, res: Response) {',
            '  const name = req.query.file as string;',
            '  const data = await readFile(`./exports/${name}`);',
            "  res.type('text/csv').send(data);",
            '}',
            '',
          ].join('\n'),
        },
      ],
      good: [
        {
          path: 'src/routes/files.ts',
          code: [
            "import { Router } from 'express';",
            "import path from 'node:path';",
            '',
            "const UPLOAD_DIR = path.resolve('uploads');",
            'export const files = Router();',
            '',
            "files.get('/:name', (req, res) => {",
            '  res.sendFile(req.params.name, { root: UPLOAD_DIR, dotfiles: "deny" });',
            '});',
            '',
          ].join('\n'),
        },
        {
          path: 'src/services/export.ts',
          code: [
            "import { readFile } from 'node:fs/promises';",
            "import path from 'node:path';",
            "import type { Request, Response } from 'express';",
            '',
            "const EXPORT_DIR = path.resolve('exports');",
            '',
            'export async function downloadExport(req: Request, res: Response) {',
            '  const full = path.resolve(EXPORT_DIR, String(req.query.file));',
            "  if (!full.startsWith(EXPORT_DIR + path.sep)) return res.status(400).json({ error: 'invalid file' });",
            '  const data = await readFile(full);',
            "  res.type('text/csv').send(data);",
            '}',
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
      const c = callee(call);
      if (!c || call.arguments.length === 0) return;
      const taint = taintOf(ctx.file);
      let sink: string | undefined;
      if ((c.name === 'sendFile' || c.name === 'download') && c.receiverNode && /^(?:res|response|reply)$/.test(c.receiver ?? '')) {
        if (prop(call.arguments[1], 'root')) return; // send() confines the path to root
        sink = `res.${c.name}`;
      } else if (FS_FUNCTIONS.has(c.name)) {
        const imp = c.receiver ? importOf(ctx.file, c.receiver.split('.')[0]) : importOf(ctx.file, c.name);
        if (!imp || !/^(?:node:)?fs(?:\/promises)?$|^fs-extra$/.test(imp.module)) return;
        sink = `fs.${c.name}`;
      }
      if (!sink || !taint.isTainted(call.arguments[0])) return;
      const fn = enclosingFunction(call);
      if (PREFIX_CHECK.test((fn ?? ctx.file.sourceFile).getText(ctx.file.sourceFile))) return;
      ctx.report({
        startLine: ctx.file.lineOf(call),
        message: `The path passed to \`${sink}\` is built from request input, so \`../\` segments or an absolute path reach files outside the intended directory (\`.env\`, keys, source). Resolve it and check the prefix: \`const full = path.resolve(BASE, name); if (!full.startsWith(BASE + path.sep)) return res.status(400)…\`${sink.startsWith('res.') ? `, or use \`${sink}(name, { root: BASE })\`` : ''}.`,
      });
    },
  },
});
