import type { GitHubEmulator } from '../../src/emulator/index.js';

/** The repository most tests review: an orders service with migrations, handlers and config. */
export const BASE_FILES: Record<string, string> = {
  'package.json': '{ "name": "orders", "private": true }\n',
  'db/migrations/20240101_create_orders.sql': 'CREATE TABLE orders (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  total_cents bigint NOT NULL\n);\n',
  'src/routes/orders.ts': [
    "import { Router } from 'express';",
    "import { db } from '../db';",
    "import { logger } from '../logger';",
    '',
    'export const orders = Router();',
    '',
    "orders.get('/v1/orders/:id', async (req, res) => {",
    '  const order = await db.orders.findById(req.params.id);',
    "  logger.info({ orderId: order.id }, 'loaded order');",
    '  res.json(order);',
    '});',
    '',
  ].join('\n'),
};

export const INDEX_MIGRATION = 'db/migrations/20240612_add_order_email.sql';

/** A PR that builds an index on an existing table without CONCURRENTLY and logs with console.log. */
export const PR_FILES: Record<string, string> = {
  [INDEX_MIGRATION]: '-- Look orders up by contact email.\nALTER TABLE orders ADD COLUMN contact_email text;\n\nCREATE INDEX orders_contact_email_idx ON orders (contact_email);\n',
  'src/routes/orders.ts': BASE_FILES['src/routes/orders.ts'].replace("  logger.info({ orderId: order.id }, 'loaded order');", "  console.log('loaded order', order.id);"),
};

export function world(emu: GitHubEmulator, options: { config?: string; orgConfig?: string; draft?: boolean; files?: Record<string, string | null>; omitPatch?: string[] } = {}) {
  const files = { ...BASE_FILES };
  if (options.config !== undefined) files['.github/backend-review.yml'] = options.config;
  const repo = emu.createRepo('acme', 'orders', files);
  if (options.orgConfig !== undefined) emu.createRepo('acme', '.github', { '.github/backend-review.yml': options.orgConfig });
  const pull = emu.openPull(repo, { files: options.files ?? PR_FILES, author: 'dev', draft: options.draft, omitPatch: options.omitPatch });
  emu.setPermission(repo, 'maintainer', 'write');
  emu.setPermission(repo, 'dev', 'write');
  return { repo, pull };
}
