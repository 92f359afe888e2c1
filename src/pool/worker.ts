// The module an analysis thread loads (src/pool/pool.ts): runs one whole review per task.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { MessagePort } from 'node:worker_threads';
import { review } from '../engine.js';
import type { RepoTree, ReviewResult } from '../model.js';
import type { AnalysisTask, ThreadMessage, TreeReply } from './protocol.js';

export interface HandlerHooks {
  /** Called after the main thread was told which file the review is on (tests use it to make a file hang). */
  onFile?: (path: string | undefined) => void;
}

/**
 * The task handler. The default export is the one the pool uses; a test can export its own from another module,
 * built with hooks, and hand that module to the pool.
 */
export function createAnalysisHandler(hooks: HandlerHooks = {}): (task: AnalysisTask) => Promise<ReviewResult> {
  return async (task) => {
    const { port } = task;
    const send = (message: ThreadMessage) => port.postMessage(message);
    send({ type: 'start' });
    try {
      return await review({ ...task.changeSet, tree: task.hasTree ? remoteTree(port, send) : undefined }, task.config, {
        onFile: (path) => {
          send({ type: 'file', path });
          hooks.onFile?.(path);
        },
      });
    } finally {
      port.close();
      // After the result is sent: this thread is idle until its next review.
      setImmediate(collectGarbage);
    }
  };
}

/**
 * A full collection once a review is over. Its syntax trees and change set are garbage then, but V8 collects an
 * idle isolate's old generation late, so without this the thread keeps its largest review's heap and the next
 * review grows it further. `gc` is only reachable with --expose-gc; set at run time, the flag applies to contexts
 * created afterwards, so a new context hands it over.
 */
const collectGarbage: () => void = (() => {
  if (typeof globalThis.gc === 'function') return globalThis.gc as () => void;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** The change set's tree, served by the main thread (where its GitHub client or git checkout is). */
function remoteTree(port: MessagePort, send: (message: ThreadMessage) => void): RepoTree {
  let next = 0;
  const waiting = new Map<number, { resolve: (value: never) => void; reject: (err: Error) => void }>();
  port.on('message', (reply: TreeReply) => {
    const call = waiting.get(reply.id);
    if (!call) return;
    waiting.delete(reply.id);
    if ('error' in reply) call.reject(new Error(reply.error));
    else call.resolve(reply.value as never);
  });
  const ask = <T>(message: ThreadMessage & { type: 'tree' }): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      waiting.set(message.id, { resolve: resolve as (value: never) => void, reject });
      send(message);
    });
  let paths: Promise<string[]> | undefined;
  return {
    // The list is the same for the whole review; rules ask for it more than once.
    paths: () =>
      (paths ??= ask<string[]>({ type: 'tree', id: next++, op: 'paths' }).catch((err) => {
        paths = undefined;
        throw err;
      })),
    read: (path) => ask<string | undefined>({ type: 'tree', id: next++, op: 'read', path }),
  };
}

export default createAnalysisHandler();
