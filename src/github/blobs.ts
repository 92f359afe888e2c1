import type { GitHubClient, RepoRef } from './client.js';
import { LIMITS } from './limits.js';

export interface BlobRequest {
  /** `<commit sha>:<path>`, as GraphQL's `object(expression:)` takes it. */
  expression: string;
  /** Known size (from the tree), used to keep each query under a byte budget. */
  size?: number;
}

export interface Blob {
  text: string | null;
  byteSize: number;
  isBinary: boolean;
  isTruncated: boolean;
}

/**
 * Reads many files in few requests: each GraphQL query fetches up to 50 blobs (and a
 * bounded number of bytes) by alias, instead of one REST request per file.
 */
export async function fetchBlobs(octokit: GitHubClient, repo: RepoRef, requests: BlobRequest[]): Promise<Map<string, Blob | null>> {
  const out = new Map<string, Blob | null>();
  for (const batch of batches(requests)) {
    const variables: Record<string, string> = { owner: repo.owner, name: repo.repo };
    const declarations = ['$owner: String!', '$name: String!'];
    const fields: string[] = [];
    batch.forEach((req, i) => {
      variables[`e${i}`] = req.expression;
      declarations.push(`$e${i}: String!`);
      fields.push(`b${i}: object(expression: $e${i}) { ... on Blob { text byteSize isBinary isTruncated } }`);
    });
    const query = `query Blobs(${declarations.join(', ')}) { repository(owner: $owner, name: $name) { ${fields.join(' ')} } }`;
    const data = await octokit.graphql<{ repository: Record<string, Partial<Blob> | null> }>(query, variables);
    batch.forEach((req, i) => {
      const blob = data.repository?.[`b${i}`];
      out.set(
        req.expression,
        blob && typeof blob.byteSize === 'number'
          ? { text: blob.text ?? null, byteSize: blob.byteSize, isBinary: Boolean(blob.isBinary), isTruncated: Boolean(blob.isTruncated) }
          : null,
      );
    });
  }
  return out;
}

function batches(requests: BlobRequest[]): BlobRequest[][] {
  const out: BlobRequest[][] = [];
  let current: BlobRequest[] = [];
  let bytes = 0;
  for (const req of requests) {
    const size = req.size ?? 0;
    if (current.length > 0 && (current.length >= LIMITS.blobsPerQuery || bytes + size > LIMITS.blobBytesPerQuery)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(req);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}
