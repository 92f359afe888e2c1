import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, stopHarness } from '../github/harness.js';
import { pullRequestEvent } from '../github/payloads.js';
import { world } from '../github/world.js';

afterEach(() => stopHarness());

describe('a later try of a job concludes the check run of the try before it', () => {
  it('a try that failed after posting its verdict (the summary write failed) is retried on the same run: one verdict, one summary', async () => {
    const h = startHarness(undefined, { maxAttempts: 2 });
    const { pull } = world(h.emu);
    // The verdict and the inline review go out, then the summary comment fails: the try throws and is retried.
    h.emu.failNext('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { status: 500, message: 'Server Error' });
    await h.receive('pull_request', pullRequestEvent('opened', pull));
    const runs = h.emu.checkRunsFor(pull);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(h.emu.comments.filter((c) => c.body.includes('backend-review:summary'))).toHaveLength(1);
    expect(h.emu.reviews.filter((r) => r.pull === pull)).toHaveLength(1);
    expect(h.logs.filter((l) => l.msg === 'review job failed, will retry')).toHaveLength(1);
  });
});
