import { defineRule } from '../../src/rule.js';
import { diffOpenApi, lineOfPath, parseOpenApi, type BreakingChange } from '../../src/analyzers/openapi.js';

const WHAT_BREAKS: Record<BreakingChange['kind'], string> = {
  'path-removed': 'clients calling it get 404 after the deploy',
  'operation-removed': 'clients calling it get 404 or 405 after the deploy',
  'response-property-removed': 'clients reading it get `undefined` and generated SDKs fail to deserialise',
  'property-type-changed': 'clients parsing the old type fail or silently misread the value',
  'required-parameter-added': 'existing requests that omit it start failing with 400',
  'required-property-added': 'existing requests that omit it start failing with 400/422',
};

export default defineRule({
  meta: {
    id: 'api/breaking-openapi-change',
    area: 'api',
    severity: 'error',
    title: 'Breaking change to the OpenAPI contract',
    guidance: 'API Design Reference › Breaking vs Non-Breaking',
    checklist: ['api.no-silent-breaks'],
    description:
      'Compares the OpenAPI 3 document (YAML or JSON) before and after the change. Removing a path or operation, removing a response property, changing a property type, or adding a required parameter or request property breaks clients that were correct yesterday, and they cannot all upgrade in the same deploy. Make the change additive (new optional fields, new endpoints), deprecate before removing, or publish it as a new version. Local `$ref`s are followed; operations and properties marked `deprecated: true` before removal are not flagged.',
    examples: {
      bad: [
        {
          path: 'openapi.yaml',
          base: "openapi: 3.0.3\ninfo:\n  title: Orders\n  version: 1.4.0\npaths:\n  /v1/orders/{id}:\n    get:\n      parameters:\n        - { name: id, in: path, required: true, schema: { type: string } }\n      responses:\n        '200':\n          content:\n            application/json:\n              schema: { $ref: '#/components/schemas/Order' }\n    delete:\n      responses:\n        '204': { description: cancelled }\ncomponents:\n  schemas:\n    Order:\n      type: object\n      properties:\n        id: { type: string }\n        total_cents: { type: integer }\n        status: { type: string }\n",
          code: "openapi: 3.0.3\ninfo:\n  title: Orders\n  version: 1.5.0\npaths:\n  /v1/orders/{id}:\n    get:\n      parameters:\n        - { name: id, in: path, required: true, schema: { type: string } }\n        - { name: expand, in: query, required: true, schema: { type: string } }\n      responses:\n        '200':\n          content:\n            application/json:\n              schema: { $ref: '#/components/schemas/Order' }\ncomponents:\n  schemas:\n    Order:\n      type: object\n      properties:\n        id: { type: string }\n        total_cents: { type: string }\n",
        },
      ],
      good: [
        {
          path: 'openapi.yaml',
          base: "openapi: 3.0.3\ninfo: { title: Orders, version: 1.4.0 }\npaths:\n  /v1/orders/{id}:\n    get:\n      responses:\n        '200':\n          content:\n            application/json:\n              schema:\n                type: object\n                properties:\n                  id: { type: string }\n    delete:\n      deprecated: true\n      responses:\n        '204': { description: cancelled }\n",
          code: "openapi: 3.0.3\ninfo: { title: Orders, version: 1.5.0 }\npaths:\n  /v1/orders/{orderId}:\n    get:\n      parameters:\n        - { name: expand, in: query, required: false, schema: { type: string } }\n      responses:\n        '200':\n          content:\n            application/json:\n              schema:\n                type: object\n                properties:\n                  id: { type: string }\n                  currency: { type: string }\n  /v1/refunds:\n    post:\n      responses:\n        '201': { description: created }\n",
          note: 'Additions, a renamed path parameter and the removal of a deprecated operation are not breaking.',
        },
      ],
    },
  },
  change(ctx) {
    for (const { file, kinds } of ctx.files) {
      if (!(kinds.has('yaml') || kinds.has('json')) || file.status === 'added' || file.status === 'removed') continue;
      if (file.content === undefined || file.baseContent === undefined) continue;
      const head = parseOpenApi(file.content);
      if (!head) continue;
      const base = parseOpenApi(file.baseContent);
      if (!base) continue;
      const seen = new Set<string>();
      for (const c of diffOpenApi(base, head)) {
        const key = `${c.operation}|${c.detail}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const line = lineOfPath(head, c.at);
        ctx.report({
          path: file.path,
          startLine: line,
          wholeChange: c.kind === 'path-removed' || c.kind === 'operation-removed',
          message:
            `Breaking API change in \`${c.operation}\`: ${c.detail}, so ${WHAT_BREAKS[c.kind]}. ` +
            'Keep the contract additive (optional parameters and properties, new fields alongside old ones), mark what goes away `deprecated: true` first, or publish the change under a new version.',
        });
      }
    }
  },
});
