/**
 * `npm run demo`: the GitHub App end to end, offline. Starts a local GitHub API emulator,
 * starts the real app server the way `npm start` does (`probot run` on the app module)
 * pointed at the emulator, sends a signed `pull_request.opened` webhook over HTTP for the
 * bundled example PR (fixtures/github/demo), waits for the review, and prints what the app
 * posted: the check run, the inline comments and the summary comment. Leaves nothing running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import pc from 'picocolors';
import { freePort, GitHubEmulator, serveEmulator } from '../src/emulator/index.js';

const ROOT = new URL('..', import.meta.url).pathname;
const DEMO = join(ROOT, 'fixtures/github/demo');
// The app module `npm start` runs (dist/src/github/app.js), loaded from its TypeScript
// source through tsx so the demo does not need a build first.
const APP = './src/github/app.ts';

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const abs = join(d, name);
      if (statSync(abs).isDirectory()) walk(abs);
      else out[relative(dir, abs)] = readFileSync(abs, 'utf8');
    }
  };
  walk(dir);
  return out;
}


async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function main(): Promise<number> {
  // 1. A GitHub with one repository and one pull request.
  const emu = new GitHubEmulator({ appSlug: 'backend-review' });
  const repo = emu.createRepo('acme', 'orders', readTree(join(DEMO, 'base')));
  const pull = emu.openPull(repo, { title: 'Contact email on orders, refunds API', author: 'dev', headRef: 'orders-contact-email', files: readTree(join(DEMO, 'pr')) });
  const github = await serveEmulator(emu);
  const say = (msg: string) => process.stderr.write(pc.dim(`› ${msg}\n`));
  say(`emulated GitHub on http://${github.host} with acme/orders and pull request #${pull.number}`);

  // 2. The app server, started the way `npm start` starts it.
  const port = await freePort();
  const secret = randomUUID();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const logs: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'node_modules/probot/bin/probot.js'), 'run', APP], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      APP_ID: String(emu.appId),
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: secret,
      GHE_HOST: github.host,
      GHE_PROTOCOL: 'http',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));

  try {
    await waitFor('the app server', async () => {
      if (child.exitCode !== null) throw new Error(`the app server exited with ${child.exitCode}:\n${logs.join('')}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/ping`)).ok ? true : undefined;
      } catch {
        return undefined;
      }
    });

    say(`app server (probot run ${APP}) listening on http://127.0.0.1:${port}`);
    // 3. A signed webhook, as GitHub sends it.
    const payload = JSON.parse(readFileSync(join(ROOT, 'fixtures/github/webhooks/pull_request.opened.json'), 'utf8'));
    Object.assign(payload.repository, { id: repo.id, name: repo.name, full_name: 'acme/orders', html_url: 'https://github.com/acme/orders', default_branch: 'main' });
    payload.repository.owner.login = 'acme';
    payload.number = pull.number;
    Object.assign(payload.pull_request, { number: pull.number, title: pull.title, draft: false, state: 'open' });
    payload.pull_request.user.login = pull.author;
    payload.pull_request.head.sha = pull.headSha;
    payload.pull_request.base.sha = pull.baseSha;
    const deliver = async (event: string, data: unknown) => {
      const body = JSON.stringify(data);
      const signature = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
      const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signature },
        body,
      });
      if (res.status >= 300) throw new Error(`the app answered the ${event} webhook with ${res.status}: ${await res.text()}`);
      return res.status;
    };
    const status = await deliver('pull_request', payload);
    say(`sent a signed pull_request.opened webhook: HTTP ${status}; waiting for the review`);

    const run = await waitFor('the check run to complete', () => emu.checkRunsFor(pull).find((r) => r.status === 'completed'));
    await waitFor('the summary comment', () => emu.summaryOf(pull));

    // A slash command from the PR author, also as a signed webhook.
    const command = '/backend-review explain migration/create-index-non-concurrent';
    const human = emu.addHumanComment(pull, pull.author, command);
    const commentPayload = JSON.parse(readFileSync(join(ROOT, 'fixtures/github/webhooks/issue_comment.created.json'), 'utf8'));
    Object.assign(commentPayload.repository, payload.repository);
    Object.assign(commentPayload.issue, { number: pull.number, title: pull.title });
    commentPayload.issue.user.login = pull.author;
    commentPayload.issue.pull_request = { url: `https://api.github.com/repos/acme/orders/pulls/${pull.number}`, html_url: `https://github.com/acme/orders/pull/${pull.number}`, diff_url: '', patch_url: '' };
    Object.assign(commentPayload.comment, { id: human.id, body: command });
    Object.assign(commentPayload.comment.user, { login: pull.author, type: 'User' });
    await deliver('issue_comment', commentPayload);
    say(`sent "${command}" as ${pull.author}`);
    const reply = await waitFor('the reply to the command', () => emu.comments.find((c) => c.user.type === 'Bot' && c.body.startsWith(`@${pull.author}`)));

    // 4. What the app posted.
    const out: string[] = [];
    const h = (t: string) => out.push('', pc.bold(pc.cyan(`── ${t} ${'─'.repeat(Math.max(0, 70 - t.length))}`)), '');
    out.push(pc.bold(`Backend Review demo: ${emu.requests.length} requests from the app to the emulated GitHub; every REST request checked against GitHub's OpenAPI request schemas.`));
    h(`Check run "${run.name}"`);
    const color = run.conclusion === 'failure' ? pc.red : run.conclusion === 'success' ? pc.green : pc.yellow;
    out.push(`conclusion: ${color(pc.bold(run.conclusion ?? '?'))}   ${run.output.title ?? ''}`);
    out.push(`annotations: ${run.annotations.length}`);
    const comments = emu.reviews.flatMap((r) => r.comments);
    h(`Review: ${comments.length} inline comment${comments.length === 1 ? '' : 's'} (event ${emu.reviews[0]?.event ?? 'none'})`);
    for (const c of comments) {
      out.push(pc.bold(`${c.path}:${c.startLine ? `${c.startLine}-` : ''}${c.line}`));
      out.push(c.body.replace(/\n?<!-- backend-review:finding [0-9a-f]+ -->/, '').replace(/^/gm, '  │ '), '');
    }
    h('Summary comment (markdown)');
    out.push(emu.summaryOf(pull)!.body.replace(/<!-- backend-review:summary [^>]*-->\n?/, ''));
    h(`Slash command: ${command}`);
    out.push(`reaction on the command: ${human.reactions.map((r) => (r.content === '+1' ? '👍' : r.content)).join(' ') || 'none'}`, '', reply.body);
    if (emu.violations.length) {
      h('Requests that do not match GitHub’s API');
      out.push(...emu.violations.map((v) => pc.red(v)));
    }
    if (process.env.DEMO_TRACE) for (const r of emu.requests) out.push(`${r.at} ${r.status} ${r.route}`);
    process.stdout.write(out.join('\n') + '\n');
    return emu.violations.length ? 1 : 0;
  } catch (err) {
    process.stderr.write(`demo failed: ${(err as Error).message}\n${logs.join('').slice(-4000)}\n`);
    return 1;
  } finally {
    await stop(child);
    await github.close();
  }
}

main().then((code) => {
  process.exitCode = code;
});
