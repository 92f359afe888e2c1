// A pool thread module for tests: the real handler, except that the analysis of any file whose name contains
// "hang-forever" spins without end, as a pathological input would. Production code never loads this.
import { createAnalysisHandler } from '../../src/pool/worker.js';

export default createAnalysisHandler({
  onFile(path) {
    if (path?.includes('hang-forever')) {
      for (;;) {}
    }
  },
});
