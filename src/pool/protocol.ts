// What the main thread and an analysis thread say to each other (src/pool/pool.ts, src/pool/worker.ts).
import type { MessagePort } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import type { ChangeSet } from '../model.js';

/** One review, sent to a pool thread by structured clone. The tree stays in the main thread and is read over `port`. */
export interface AnalysisTask {
  changeSet: Omit<ChangeSet, 'tree'>;
  /** Whether the change set had a tree; reads go over `port` when it had. */
  hasTree: boolean;
  config: Config;
  port: MessagePort;
}

/** Thread → main. */
export type ThreadMessage =
  /** A thread took the task: the whole-review budget starts. */
  | { type: 'start' }
  /** The review started work on this file (undefined: work across files). */
  | { type: 'file'; path: string | undefined }
  | { type: 'tree'; id: number; op: 'paths' }
  | { type: 'tree'; id: number; op: 'read'; path: string };

/** Main → thread: the answer to one tree request. */
export type TreeReply = { id: number; value: unknown } | { id: number; error: string };
