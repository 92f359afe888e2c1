import { Context } from 'probot';
import { ConfigError, CONFIG_PATH, validateConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { RepoRef } from './client.js';

export type LoadedConfig = { config: Config } | { error: string };

const FILE = CONFIG_PATH.replace(/^\.github\//, '');

/**
 * Reads `.github/backend-review.yml` from the default branch (so a PR cannot switch its
 * own review off). Without a repo file, Probot falls back to the organisation's `.github`
 * repository; `_extends: .github` merges the two, the repository winning. Lists are
 * replaced, not concatenated, so a repo's `exclude` overrides the org's.
 */
export async function loadRepoConfig(context: Pick<Context, 'config'>): Promise<LoadedConfig> {
  let raw: unknown;
  try {
    raw = await context.config(FILE, undefined, { arrayMerge: (_target: unknown[], source: unknown[]) => source });
  } catch (err) {
    // A GitHub failure is not a config problem; the caller reports it as such.
    if (typeof (err as { status?: unknown }).status === 'number') throw err;
    const message = (err as Error).message.replace(/^\[@probot\/octokit-plugin-config\]\s*/, '');
    return { error: `${CONFIG_PATH}: ${message}` };
  }
  try {
    return { config: validateConfig(raw ?? {}, CONFIG_PATH) };
  } catch (err) {
    if (err instanceof ConfigError) return { error: err.message };
    throw err;
  }
}

/**
 * The same read for a worker, which has no webhook context: an installation Octokit (it carries Probot's config
 * plugin) and the repository. Probot's own `context.config` does the read and the organisation fallback.
 */
export async function loadRepoConfigWith(octokit: unknown, repo: RepoRef): Promise<LoadedConfig> {
  const shim = { octokit, repo: <T>(o?: T) => ({ owner: repo.owner, repo: repo.repo, ...o }) };
  return loadRepoConfig({ config: (Context.prototype.config as (...args: unknown[]) => Promise<unknown>).bind(shim) as Context['config'] });
}
