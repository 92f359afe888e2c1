// A pool thread module for tests: the real handler, except that the analysis of any file whose name contains
// "hang-forever" spins without end, and of one whose name contains "eat-memory" allocates until the thread's heap
// runs out, as pathological inputs would. Production code never loads this.
import { createAnalysisHandler } from '../../src/pool/worker.js';

export default createAnalysisHandler({
  onFile(path) {
    if (path?.includes('hang-forever')) {
      for (;;) {}
    }
    if (path?.includes('eat-memory')) {
      const hoard: string[][] = [];
      for (;;) hoard.push(Array.from({ length: 100_000 }, (_, i) => `row ${i} of ${hoard.length}`));
    }
  },
});
