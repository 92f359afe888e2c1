import { ts } from './ts.js';
import type { CodeFile } from './code-file.js';
import { importOf, prop, stringValue, unwrap } from './ast.js';

export type MetricType = 'Counter' | 'Gauge' | 'Histogram' | 'Summary';
const TYPES = new Set(['Counter', 'Gauge', 'Histogram', 'Summary']);

/** A prom-client metric constructor: `new Counter({...})`, `new client.Histogram({...})`. */
export function promMetric(node: ts.NewExpression, file: CodeFile): { type: MetricType; config: ts.ObjectLiteralExpression; name?: string; nameNode?: ts.Expression } | undefined {
  const e = unwrap(node.expression);
  let type: string | undefined;
  if (ts.isIdentifier(e)) {
    const imp = importOf(file, e.text);
    if (imp?.module === 'prom-client' && TYPES.has(imp.name)) type = imp.name;
  } else if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && TYPES.has(e.name.text)) {
    const imp = importOf(file, e.expression.text);
    if (imp?.module === 'prom-client') type = e.name.text;
  }
  const arg = node.arguments?.[0] && unwrap(node.arguments[0]);
  if (!type || !arg || !ts.isObjectLiteralExpression(arg)) return undefined;
  const nameNode = prop(arg, 'name');
  return { type: type as MetricType, config: arg, name: stringValue(nameNode, file), nameNode };
}
