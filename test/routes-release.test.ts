import { describe, expect, it } from 'vitest';
import { ts } from 'ts-morph';
import { CodeFile } from '../src/analyzers/code/code-file.js';
import { resolveRoutes, routesOf, routesOfText, type FileRoutes, type Route } from '../src/analyzers/code/routes.js';
import { taintOf } from '../src/analyzers/code/taint.js';

// After the code rules, the engine releases each file's syntax tree; the route model stays and
// reads its nodes from the file parsed again. Everything read must equal what the first parse gave.

const APP = `import express, { Router } from 'express';
import { requireAuth } from './auth';

const app = express();
const orders = Router();
orders.use(requireAuth);
orders.get('/', async (req, res) => {
  res.json(await db.list(req.query.status));
});
orders.post('/', validate(schema), createOrder);
function createOrder(req, res) {
  res.status(201).json({ ok: true });
}
app.use('/v1/orders', orders);
app.listen(3000);
`;

const NEST = `import { Controller, Get, Post, UseGuards } from '@nestjs/common';
@Controller('users')
@UseGuards(JwtAuthGuard)
export class UsersController {
  @Get(':id')
  one() {
    return 1;
  }
  @Post()
  @UseGuards(AdminGuard)
  create() {
    return 2;
  }
}
`;

/** Everything the route model says about its nodes, as text and positions. */
function nodeFacts(fr: FileRoutes, routes: Route[]): unknown {
  const sf = fr.file.sourceFile;
  const text = (n: ts.Node | undefined) => (n ? [ts.SyntaxKind[n.kind], n.getStart(sf), n.getEnd(), n.getText(sf)] : undefined);
  return {
    routes: routes.map((r) => ({
      route: `${r.method} ${r.path}`,
      node: text(r.node),
      handler: text(r.handler),
      handlerText: r.handlerText,
      pathNode: text(r.pathNode),
      middleware: [...r.middleware, ...r.guards].map((m) => [m.name, m.text, text(m.node)]),
    })),
    listens: fr.listens.map((l) => text(l.node)),
    mounts: fr.mounts.map((m) => text(m.node)),
    routers: [...fr.routers.values()].map((d) => text(d.node)),
    functions: [...fr.functions].map(([name, fn]) => [name, text(fn)]),
  };
}

describe('route model after the syntax tree is released', () => {
  for (const [path, source] of [
    ['src/app.ts', APP],
    ['src/users.controller.ts', NEST],
  ]) {
    it(`reads the same nodes from the file parsed again (${path})`, () => {
      const kept = routesOf(new CodeFile(path, source));
      const before = nodeFacts(kept, kept.routes);

      const file = new CodeFile(path, source);
      const fr = routesOf(file);
      file.release();
      expect(file.parsed).toBe(false);
      expect(routesOf(file)).toBe(fr);
      // Resolving routes reads no node, so it parses nothing.
      const resolved = resolveRoutes([fr]);
      expect(resolved.map((r) => `${r.method} ${r.path}`)).toEqual(kept.routes.map((r) => `${r.method} ${r.path}`));
      expect(file.parsed).toBe(false);
      expect(file.lineText(2)).toBe(source.split('\n')[1]);
      expect(file.parsed).toBe(false);

      expect(nodeFacts(fr, resolved)).toEqual(before);
      expect(nodeFacts(fr, fr.routes)).toEqual(before);
      expect(file.parsed).toBe(true);
      // Nodes read later belong to the tree the file now holds.
      expect(fr.raw[0].node.getSourceFile()).toBe(file.sourceFile);
    });
  }

  it('drops results that hold nodes and computes them again on the new tree', () => {
    const file = new CodeFile('src/app.ts', APP);
    const before = taintOf(file);
    file.release();
    const after = taintOf(file);
    expect(after).not.toBe(before);
    let status: ts.Expression | undefined;
    const find = (n: ts.Node): void => {
      if (ts.isPropertyAccessExpression(n) && n.getText() === 'req.query.status') status = n;
      ts.forEachChild(n, find);
    };
    find(file.sourceFile);
    expect(status).toBeDefined();
    expect(after.isTainted(status)).toBe(true);
  });

  it('routesOfText keeps only the model until a node is read', () => {
    const fr = routesOfText('src/app.ts', APP);
    expect(fr.file.parsed).toBe(false);
    expect(fr.routes.map((r) => r.path)).toEqual(['/v1/orders', '/v1/orders']);
    expect(fr.file.parsed).toBe(false);
    expect(fr.routes[1].handler?.getText()).toBe("function createOrder(req, res) {\n  res.status(201).json({ ok: true });\n}");
    expect(fr.file.parsed).toBe(true);
  });
});
