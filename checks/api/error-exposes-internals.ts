import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';
import { middlewareName } from '../../src/analyzers/code/routes.js';
import { statusValue, unwrapExpr, walk } from '../../src/analyzers/code/route-helpers.js';

const DEV_GUARD = /NODE_ENV|isDev|isDevelopment|development|isProd|isProduction|production|debug|expose/i;
const SERVER_ERROR_EXCEPTIONS = /^(InternalServerErrorException|ServiceUnavailableException|BadGatewayException|GatewayTimeoutException|HttpException)$/;

/** Names bound to a caught error: catch variables and the first parameter of error handlers. */
function errorNames(node: ts.Node): { names: Set<string>; scope: ts.Node } | undefined {
  for (let p: ts.Node | undefined = node.parent; p; p = p.parent) {
    if (ts.isCatchClause(p) && p.variableDeclaration && ts.isIdentifier(p.variableDeclaration.name)) {
      return { names: new Set([p.variableDeclaration.name.text]), scope: p.block };
    }
    if (ts.isFunctionLike(p)) {
      const params = p.parameters.map((x) => (ts.isIdentifier(x.name) ? x.name.text : ''));
      // express (err, req, res, next); fastify setErrorHandler((error, request, reply) => …); Nest catch(exception, host)
      if (params.length >= 4 && /^(err|error|e|ex|exception)$/.test(params[0])) return { names: new Set([params[0]]), scope: p };
      if (params.length >= 2 && /^(err|error|e|ex|exception)$/.test(params[0]) && isErrorHandlerRegistration(p)) return { names: new Set([params[0]]), scope: p };
      if (ts.isMethodDeclaration(p) && p.name.getText() === 'catch' && params.length >= 2) return { names: new Set([params[0]]), scope: p };
      if (!ts.isArrowFunction(p) && !ts.isFunctionExpression(p)) return undefined;
    }
  }
  return undefined;
}

function isErrorHandlerRegistration(fn: ts.Node): boolean {
  const call = fn.parent;
  return !!call && ts.isCallExpression(call) && /(setErrorHandler|onError)$/.test(middlewareName(call.expression));
}

/** What of the error `e` sends, if it sends internals: `err.message`, `err.stack`, the raw error. */
function exposed(e: ts.Node, names: Set<string>, file: CodeFile): string | undefined {
  let found: string | undefined;
  walk(e, (n) => {
    if (found) return false;
    if (ts.isConditionalExpression(n)) return false; // `status < 500 ? err.message : 'Internal error'`
    if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(unwrapExpr(n.expression)) && names.has((unwrapExpr(n.expression) as ts.Identifier).text)) {
      if (/^(message|stack|sql|detail|query|parameters|errors|original|parent|cause)$/.test(n.name.text)) found = n.getText(file.sourceFile);
      return false;
    }
    if (ts.isIdentifier(n) && names.has(n.text)) {
      const p = n.parent;
      // `{ error: err }`, `res.send(err)`, `String(err)`, `${err}`
      if (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p) || ts.isCallExpression(p) || ts.isTemplateSpan(p) || n === e || ts.isSpreadAssignment(p)) found = n.text;
    }
  });
  return found;
}

function guardedForDevelopment(node: ts.Node, file: CodeFile, stop: ts.Node): boolean {
  for (let p: ts.Node | undefined = node.parent; p && p !== stop.parent; p = p.parent) {
    if ((ts.isIfStatement(p) || ts.isConditionalExpression(p)) && DEV_GUARD.test((ts.isIfStatement(p) ? p.expression : p.condition).getText(file.sourceFile))) return true;
  }
  return false;
}

/** The status of `res.status(500).json(…)`-style chains and their siblings in the block. */
function serverErrorStatus(send: ts.CallExpression | ts.BinaryExpression, scope: ts.Node, file: CodeFile): boolean {
  if (ts.isCallExpression(send)) {
    let e: ts.Expression = send.expression;
    while (ts.isPropertyAccessExpression(e) || ts.isCallExpression(e)) {
      if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && /^(status|code)$/.test(e.expression.name.text)) return fiveHundred(e.arguments[0], file);
      e = ts.isCallExpression(e) ? e.expression : e.expression;
    }
    // hono c.json(body, 500)
    if (send.arguments[1] && fiveHundred(send.arguments[1], file)) return true;
  }
  // fastify reply.status(500) / express res.status(500) as a separate statement in the same scope
  let found = false;
  walk(scope, (n) => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && /^(status|code)$/.test(n.expression.name.text) && n !== send && fiveHundred(n.arguments[0], file)) found = true;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && /\.status(Code)?$/.test(n.left.getText(file.sourceFile)) && fiveHundred(n.right, file)) found = true;
  });
  return found;
}

function fiveHundred(e: ts.Node | undefined, file: CodeFile): boolean {
  if (!e) return false;
  const v = statusValue(e);
  if (v !== undefined) return v >= 500 && v < 600;
  // err.status || 500, err.statusCode ?? 500
  return /(\|\||\?\?)\s*5\d\d\b/.test(e.getText(file.sourceFile)) || /INTERNAL_SERVER_ERROR/.test(e.getText(file.sourceFile));
}

export default defineRule({
  meta: {
    id: 'api/error-exposes-internals',
    area: 'api',
    severity: 'warning',
    title: '5xx response exposes error internals',
    guidance: 'API Design Reference › Before Shipping Any Endpoint',
    checklist: ['api.error-internals'],
    description:
      'Sending `err.message`, `err.stack` or the raw error with a 5xx shows clients SQL, table and column names, file paths, library versions and internal hostnames: a map for an attacker and a contract nobody meant to publish. Log the error with the request id and answer a generic problem document (`{ type, title, status }`). Development-only branches (`NODE_ENV`) and 4xx answers are not flagged.',
    examples: {
      bad: [
        {
          path: 'src/middleware/errors.ts',
          code: "import type { ErrorRequestHandler } from 'express';\nimport { logger } from '../logger';\n\nexport const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {\n  const status = err.status ?? 500;\n  logger.error({ err, reqId: req.id }, 'request failed');\n  res.status(status || 500).json({ error: err.message, stack: err.stack });\n};\n",
        },
        {
          path: 'src/routes/reports.ts',
          code: "import { Router } from 'express';\nimport { buildReport } from '../reports';\n\nexport const reportsRouter = Router();\n\nreportsRouter.get('/reports/:id', async (req, res) => {\n  try {\n    res.json(await buildReport(req.params.id));\n  } catch (error) {\n    req.log.error({ err: error }, 'report failed');\n    res.status(500).send(error);\n  }\n});\n",
        },
        {
          path: 'src/payments/payments.service.ts',
          code: "import { Injectable, InternalServerErrorException } from '@nestjs/common';\n\n@Injectable()\nexport class PaymentsService {\n  async charge(orderId: string) {\n    try {\n      return await this.gateway.charge(orderId);\n    } catch (e) {\n      throw new InternalServerErrorException(e.message);\n    }\n  }\n}\n",
        },
      ],
      good: [
        {
          path: 'src/middleware/errors.ts',
          code: "import type { ErrorRequestHandler } from 'express';\nimport { logger } from '../logger';\n\nexport const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {\n  const status = err.status ?? 500;\n  logger.error({ err, reqId: req.id }, 'request failed');\n  if (status < 500) return res.status(status).json({ title: err.message, status });\n  res.status(500).json({ type: 'about:blank', title: 'Internal Server Error', status: 500 });\n};\n",
        },
        {
          path: 'src/middleware/dev-errors.ts',
          code: "export function devErrors(err, req, res, next) {\n  if (process.env.NODE_ENV === 'development') {\n    return res.status(500).json({ message: err.message, stack: err.stack });\n  }\n  next(err);\n}\n",
        },
      ],
    },
  },
  code: {
    kinds: ['CallExpression', 'NewExpression', 'BinaryExpression'],
    visit(node, ctx) {
      const file = ctx.file;
      let sent: ts.Expression | undefined;
      let where = '';
      if (ts.isNewExpression(node)) {
        const name = middlewareName(node.expression);
        if (!SERVER_ERROR_EXCEPTIONS.test(name) || !node.arguments?.length) return;
        if (name === 'HttpException' && !fiveHundred(node.arguments[1], file)) return;
        sent = node.arguments[0];
        where = `new ${name}(…)`;
      } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && /^(json|send|end)$/.test(node.expression.name.text) && node.arguments.length > 0) {
        sent = node.arguments[0];
        where = `${node.expression.name.text}(…)`;
      } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && /^\w+\.body$/.test(node.left.getText(file.sourceFile))) {
        // koa: ctx.body = { error: err.message }
        sent = node.right;
        where = `${node.left.getText(file.sourceFile)} = …`;
      } else return;
      const bound = errorNames(node);
      if (!bound || !sent) return;
      const what = exposed(unwrapExpr(sent), bound.names, file);
      if (!what) return;
      if ((ts.isCallExpression(node) || ts.isBinaryExpression(node)) && !serverErrorStatus(node, bound.scope, file)) return;
      if (guardedForDevelopment(node, file, bound.scope)) return;
      const errName = [...bound.names][0];
      ctx.report({
        startLine: file.lineOf(node),
        message:
          `This 5xx answer sends \`${what}\` to the client (in \`${where}\`): SQL, table names, file paths and library details of unexpected errors become visible to anyone who triggers one. ` +
          `Log \`${errName}\` with the request id and answer a generic body, e.g. \`{ type: 'about:blank', title: 'Internal Server Error', status: 500 }\`.`,
      });
    },
  },
});
