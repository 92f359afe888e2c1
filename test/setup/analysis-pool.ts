// Every test file: stop the threads of the shared analysis pool (src/pool/pool.ts) that reviews through the app,
// CI mode or runReview started, so no test file leaves worker threads behind.
import { afterAll } from 'vitest';
import { closeSharedAnalysisPool } from '../../src/pool/pool.js';

afterAll(async () => {
  await closeSharedAnalysisPool();
});
