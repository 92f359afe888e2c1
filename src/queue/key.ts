import { createHash } from 'node:crypto';
import type { ReviewJob } from './types.js';

/** The job identity: (repo, PR, head SHA, config hash), plus the rerun id of an explicit re-run. Repo names are case-insensitive on GitHub. */
export function jobKey(job: ReviewJob): string {
  const parts = [`${job.owner}/${job.repo}`.toLowerCase(), String(job.pullNumber), job.headSha.toLowerCase(), job.configHash];
  if (job.rerunId) parts.push(`rerun=${job.rerunId}`);
  return parts.join('\u0000');
}

/** A stable, Redis- and BullMQ-safe job id derived from the key (no ':' and never an integer). */
export function jobIdFor(job: ReviewJob): string {
  return 'rv-' + createHash('sha256').update(jobKey(job)).digest('hex').slice(0, 32);
}

/** One lane per pull request: a newer head SHA in the lane supersedes the older job. */
export function prLane(job: Pick<ReviewJob, 'owner' | 'repo' | 'pullNumber'>): string {
  return `${job.owner}/${job.repo}`.toLowerCase() + '#' + job.pullNumber;
}

/** Checks the shape of a job before it is queued, so a malformed job fails at enqueue, not in a worker. */
export function assertValidJob(job: ReviewJob): void {
  const problems: string[] = [];
  if (typeof job.deliveryId !== 'string' || job.deliveryId === '') problems.push('deliveryId');
  if (!Number.isSafeInteger(job.installationId)) problems.push('installationId');
  if (typeof job.owner !== 'string' || job.owner === '') problems.push('owner');
  if (typeof job.repo !== 'string' || job.repo === '') problems.push('repo');
  if (!Number.isSafeInteger(job.pullNumber) || job.pullNumber <= 0) problems.push('pullNumber');
  if (typeof job.headSha !== 'string' || !/^[0-9a-f]{7,64}$/i.test(job.headSha)) problems.push('headSha');
  if (typeof job.configHash !== 'string' || job.configHash === '') problems.push('configHash');
  if (problems.length) throw new TypeError(`invalid review job: bad ${problems.join(', ')}`);
}
