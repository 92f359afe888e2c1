import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';
import { callee, enclosingFunction, functionName, importOf, nameOf, prop, stringValue, unwrap } from '../../src/analyzers/code/ast.js';
import { hardcodedSecretOnLine } from './hardcoded-secret.js';

/** The jsonwebtoken function a call reaches: `jwt.verify`, `verify` (named import). */
function jwtFunction(call: ts.CallExpression, file: CodeFile): string | undefined {
  const c = callee(call);
  if (!c) return undefined;
  if (c.receiverNode && !ts.isIdentifier(c.receiverNode)) return undefined;
  const imp = c.receiverNode ? importOf(file, (c.receiverNode as ts.Identifier).text) : importOf(file, c.name);
  if (!imp || imp.module !== 'jsonwebtoken') return undefined;
  if (c.receiverNode) return imp.name === 'default' || imp.name === '*' ? c.name : undefined;
  return imp.name;
}

function hasVerify(scope: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(n)) {
      const c = callee(n);
      if (c && /^(?:verify|verifyAsync|jwtVerify|verifyToken|verifyJwt)$/.test(c.name)) found = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(scope);
  return found;
}

function usedForAuth(call: ts.CallExpression): boolean {
  const fn = enclosingFunction(call);
  if (!fn) return false;
  const name = functionName(fn) ?? '';
  if (/auth|guard|canActivate|verify|currentUser|require|admin|role|permission|session/i.test(name)) return true;
  // Express/Koa middleware: (req, res, next) or (ctx, next)
  const params = fn.parameters.map((p) => p.name.getText());
  if (params.length >= 2 && /^(?:req|request|ctx)$/.test(params[0]) && /^next$/.test(params[params.length - 1])) return true;
  return /\b(?:req|request)\.user\s*=|ctx\.state\.user\s*=|request\.user\s*=/.test(fn.getText());
}

export default defineRule({
  meta: {
    id: 'security/jwt-unsafe',
    area: 'security',
    severity: 'error',
    title: 'JWT verified unsafely',
    guidance: 'Security Reference › Authentication Patterns',
    checklist: ['security.tokens'],
    description:
      'A token is only trustworthy after its signature is checked with a pinned algorithm and a secret that is not in the code. `jwt.decode` checks nothing, so anyone can forge the claims; `verify` without `algorithms` lets the token’s own header pick the algorithm (key-confusion attacks); `none` disables signing; and a literal secret is readable by everyone with repository access. Call `jwt.verify(token, key, { algorithms: [\'HS256\'] })` with the key from the environment or a secrets manager.',
    examples: {
      bad: [
        {
          path: 'src/middleware/auth.ts',
          code: [
            "import jwt from 'jsonwebtoken';",
            "import type { NextFunction, Request, Response } from 'express';",
            '',
            'export function authenticate(req: Request, res: Response, next: NextFunction) {',
            "  const token = req.headers.authorization?.replace('Bearer ', '') ?? '';",
            '  try {',
            '    req.user = jwt.verify(token, process.env.JWT_SECRET!) as { sub: string };',
            '    next();',
            '  } catch {',
            "    res.status(401).json({ error: 'invalid token' });",
            '  }',
            '}',
            '',
          ].join('\n'),
        },
        {
          path: 'src/middleware/auth.ts',
          code: [
            "import jwt from 'jsonwebtoken';",
            '',
            'export function currentUser(header: string | undefined) {',
            "  const payload = jwt.decode(header?.slice(7) ?? '') as { sub?: string } | null;",
            '  return payload?.sub;',
            '}',
            '',
          ].join('\n'),
        },
        {
          path: 'src/auth/tokens.ts',
          code: "import jwt from 'jsonwebtoken';\n\nexport const issue = (userId: string) => jwt.sign({ sub: userId }, 'supersecret', { algorithm: 'HS256', expiresIn: '15m' });\n",
        },
      ],
      good: [
        {
          path: 'src/middleware/auth.ts',
          code: [
            "import jwt from 'jsonwebtoken';",
            "import type { NextFunction, Request, Response } from 'express';",
            '',
            'export function authenticate(req: Request, res: Response, next: NextFunction) {',
            "  const token = req.headers.authorization?.replace('Bearer ', '') ?? '';",
            '  try {',
            "    req.user = jwt.verify(token, process.env.JWT_SECRET!, { algorithms: ['HS256'] }) as { sub: string };",
            '    next();',
            '  } catch {',
            "    res.status(401).json({ error: 'invalid token' });",
            '  }',
            '}',
            '',
          ].join('\n'),
        },
        {
          path: 'src/auth/jwks.ts',
          code: [
            "import jwt from 'jsonwebtoken';",
            '',
            'export function keyIdOf(token: string) {',
            '  const decoded = jwt.decode(token, { complete: true });',
            '  return decoded?.header.kid;',
            '}',
            '',
          ].join('\n'),
          note: 'Reading the key id before verification is fine.',
        },
      ],
    },
  },
  code: {
    kinds: ['CallExpression', 'PropertyAssignment'],
    visit(node, ctx) {
      if (ts.isPropertyAssignment(node)) {
        // JwtModule.register({ secret: '…' }), fastify.register(jwt, { secret: '…' }), passport-jwt { secretOrKey: '…' }
        const key = nameOf(node.name);
        if (key !== 'secret' && key !== 'secretOrKey') return;
        if (stringValue(node.initializer, ctx.file) === undefined || !ts.isObjectLiteralExpression(node.parent)) return;
        const owner = node.parent.parent;
        const c = owner && ts.isCallExpression(owner) ? callee(owner) : undefined;
        const jwtConfig =
          key === 'secretOrKey' ||
          (!!c && /^(?:register|registerAsync|forRoot)$/.test(c.name) && (c.receiver === 'JwtModule' || (owner as ts.CallExpression).arguments.some((a) => ts.isIdentifier(a) && /jwt/i.test(importOf(ctx.file, a.text)?.module ?? ''))));
        const line = ctx.file.lineOf(node);
        if (!jwtConfig || hardcodedSecretOnLine(ctx.file.lineText(line))) return;
        ctx.report({
          startLine: line,
          message: 'The JWT secret is a literal in the code: anyone with repository access can mint valid tokens for any user. Load it at runtime (`process.env.JWT_SECRET` or a secrets manager), rotate this one, and use at least 256 random bits.',
        });
        return;
      }
      const call = node as ts.CallExpression;
      const fn = jwtFunction(call, ctx.file);
      if (!fn) return;
      const line = ctx.file.lineOf(call);
      const options = call.arguments[2] && ts.isObjectLiteralExpression(unwrap(call.arguments[2])) ? call.arguments[2] : undefined;
      if (fn === 'sign' || fn === 'verify') {
        const algs = prop(options, fn === 'sign' ? 'algorithm' : 'algorithms');
        if (algs && /['"]none['"]/i.test(algs.getText(ctx.file.sourceFile))) {
          ctx.report({ startLine: ctx.file.lineOf(algs), message: `The \`none\` algorithm means the token carries no signature, so anyone can write any claims into it. Pin a real algorithm (\`'HS256'\` with a secret from the environment, or \`'RS256'\`/\`'ES256'\` with a key pair).` });
          return;
        }
        const key = call.arguments[1];
        const literal = stringValue(key, ctx.file);
        if (key && literal !== undefined) {
          ctx.report({
            startLine: line,
            message: `The JWT ${fn === 'sign' ? 'signing' : 'verification'} secret is a literal in the code: anyone with repository access can mint valid tokens for any user. Load it at runtime (\`process.env.JWT_SECRET\` or a secrets manager), rotate this one, and use at least 256 random bits.`,
          });
          return;
        }
        if (fn === 'verify') {
          const third = call.arguments[2] && unwrap(call.arguments[2]);
          if (third && !options && !ts.isFunctionLike(third)) return; // options passed by reference: cannot tell
          if (algs) return;
          ctx.report({
            startLine: line,
            message: `\`jwt.verify\` without \`algorithms\` lets the token’s header choose how it is checked, which opens key-confusion attacks (an RS256 public key used as an HS256 secret). Pin the algorithm: \`jwt.verify(token, key, { algorithms: ['HS256'] })\`.`,
          });
        }
        return;
      }
      if (fn === 'decode') {
        const complete = prop(call.arguments[1], 'complete');
        const fnNode = enclosingFunction(call);
        if (hasVerify(fnNode ?? ctx.file.sourceFile) || (complete && hasVerify(ctx.file.sourceFile))) return;
        if (!usedForAuth(call)) return;
        ctx.report({
          startLine: line,
          message: '`jwt.decode` reads the claims without checking the signature, so anyone can forge a token with any `sub` or role and it is accepted here. Use `jwt.verify(token, key, { algorithms: [\'HS256\'] })` and trust only what it returns.',
        });
      }
    },
  },
});
