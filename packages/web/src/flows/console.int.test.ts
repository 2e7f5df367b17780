import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { rollupHealth } from '@gnm/gonka';
import { TestAgent, type Execute } from '@gnm/protocol/testing';
import { launchBrowser, type Browser } from '../testing/browser.js';
import { PageChecker } from '../testing/page-checks.js';
import {
  STACK_SERVICES,
  closedPort,
  h200Report,
  healthyFacts,
  startFreshConsole,
  type FreshConsole,
} from '../testing/console.js';

/**
 * The console in a real Chromium against a real control plane (HTTPS, SQLite) and agents that speak
 * the real protocol over pinned TLS (TestAgent): from an empty instance to a healthy node on the
 * fleet page, a failed task, user isolation, password change, tokens and the audit log. Every page
 * on the way passes the accessibility and layout checks at 1280×800 and 390×844.
 */
const SHOTS = path.resolve(import.meta.dirname, '../../../../.test-results/web-screenshots');
const OWNER = { email: 'owner@example.org', password: 'correct horse battery staple' };
const PUBKEY = 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd';
const WARM = 'gonka1qurswpc8qurswpc8qurswpc8qurswpc8rxqy8r';

const deferred = () => {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the web console, end to end in Chromium', { timeout: 180_000 }, () => {
  let fc: FreshConsole;
  let browser: Browser;
  let page: Page;
  let checker: PageChecker;
  const agents: TestAgent[] = [];
  const reporters: NodeJS.Timeout[] = [];
  /** What the first host's agent reports (its containers appear once the node is deployed). */
  let report = h200Report();
  let hostId = '';
  let seedPort = 0;
  /** Holds the deploy half-way, so the test sees its progress live before it finishes. */
  const midDeploy = deferred();

  const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
  const clipboard = () => page.evaluate<string>('navigator.clipboard.readText()');

  beforeAll(async () => {
    fc = await startFreshConsole();
    browser = await launchBrowser(fc.url);
    page = await browser.context.newPage();
    page.setDefaultTimeout(20_000);
    checker = new PageChecker(SHOTS);
    checker.watch(page, 'owner');
    seedPort = await closedPort();
  }, 120_000);

  afterAll(async () => {
    for (const r of reporters) clearInterval(r);
    for (const a of agents) a.close();
    await browser?.close();
    await fc?.close();
  });

  it('first run: the owner account with the setup token; logout; a wrong password is refused; login', async () => {
    await page.goto(`${fc.url}/`);
    await heading('Set up Gonka Node Manager').waitFor();
    await checker.check(page, 'setup');
    await page.getByLabel('Setup token').fill('gnm-setup-wrong');
    await page.getByLabel('Your email').fill(OWNER.email);
    await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
    await page.getByLabel('Password again').fill(`${OWNER.password}!`);
    await expect.poll(() => page.getByText('The two passwords differ.').isVisible()).toBe(true);
    await page.getByLabel('Password again').fill(OWNER.password);
    await page.getByRole('button', { name: 'Create the owner account' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/bad setup token/i);

    await page.getByLabel('Setup token').fill(fc.setupToken);
    await page.getByRole('button', { name: 'Create the owner account' }).click();
    await heading('Fleet').waitFor();
    await page.getByText('No hosts yet.').waitFor();
    expect(await page.getByRole('link', { name: 'Add a host' }).count()).toBeGreaterThan(0);
    await checker.check(page, 'fleet-empty');

    await page.getByRole('button', { name: 'Log out' }).click();
    await heading('Log in').waitFor();
    expect(await page.getByRole('status').first().textContent()).toContain('You are logged out.');
    await checker.check(page, 'login');
    await page.goto(`${fc.url}/hosts/new`); // signed out: every page leads to the login
    await heading('Log in').waitFor();
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/bad credentials/i);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await heading('Fleet').waitFor();
  });

  it('add host: install command with copy and countdown; the agent enrolls and the page becomes the host', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Add host' }).click();
    await heading('Add a host').waitFor();
    await checker.check(page, 'add-host-form');
    await page.getByLabel('Host name').fill('gpu-01');
    await page.getByRole('button', { name: 'Add host' }).click();
    const command = (await page.getByLabel('Install command').textContent()) ?? '';
    expect(command).toMatch(/^curl .*install\.sh/);
    expect(command).toContain(`--tls-pin '${fc.cp.pins.tlsPin ?? ''}'`);
    const token = /--token '(gnm-enroll-[^']+)'/.exec(command)?.[1] ?? '';
    expect(token).not.toBe('');
    const countdown = page.locator('.countdown');
    const first = (await countdown.textContent()) ?? '';
    expect(first).toMatch(/^(59|60):\d\d$/);
    await expect.poll(async () => countdown.textContent(), { timeout: 5000 }).not.toBe(first);
    expect(await page.getByTestId('waiting-agent').textContent()).toMatch(/Waiting for the agent on gpu-01/);
    await page.getByRole('button', { name: 'Copy install command' }).click();
    await page.getByText('Copied').waitFor();
    expect(await clipboard()).toBe(command);
    await checker.check(page, 'add-host-waiting');

    const execute: Execute = async (op, emit) => {
      if (op.op === 'node.deploy') {
        emit({ progress: { phase: 'preflight' }, log: 'checking the host can run a full node' });
        for (let i = 1; i <= 3; i++) {
          emit({ progress: { phase: 'pull', done: i, total: 3 }, log: `pulled image ${i} of 3` });
          await sleep(150);
        }
        emit({ progress: { phase: 'sync', done: 400, total: 1200 } });
        await midDeploy.promise;
        emit({ progress: { phase: 'sync', done: 1200, total: 1200 }, log: 'in sync at height 1200' });
        emit({ progress: { phase: 'warm-key' }, log: 'creating warm key warm-key in the api container' });
        return {
          ok: true,
          result: {
            release: '0.2.14-1',
            previous: null,
            role: 'full',
            containers: [],
            warmKey: {
              name: 'warm-key',
              address: WARM,
              pubkey: 'A3',
              created: true,
              mnemonicFile: '/var/lib/gnm-agent/secrets/WARM_KEY_MNEMONIC',
            },
            accepted: [],
          },
        };
      }
      if (op.op === 'node.health') return { ok: true, result: healthyFacts() };
      if (op.op === 'stack.status')
        return {
          ok: true,
          result: {
            project: 'join',
            currentRelease: '0.2.14-1',
            previousRelease: null,
            containers: STACK_SERVICES.map((service) => ({
              service,
              name: `join-${service}-1`,
              state: 'running',
              health: 'healthy',
              status: 'Up 3 minutes',
              restartCount: service === 'inference' ? 2 : 0,
            })),
          },
        };
      if (op.op === 'stack.logs')
        return {
          ok: true,
          result: { service: 'node', lines: ['INF committed state height=1200', 'INF indexed block'] },
        };
      return { ok: false, error: { code: 'unsupported-operation', message: `${op.op} is not scripted` } };
    };
    const agent = await TestAgent.enroll(fc.cp.pins, token, { execute, hostname: 'gpu-01.example' });
    agents.push(agent);
    await agent.connect();
    await agent.report(h200Report());
    // Like a real agent: a report every interval, so the host stays online for the whole test.
    reporters.push(setInterval(() => void agent.report(report), 2000));
    await heading('Host gpu-01').waitFor();
    hostId = /\/hosts\/([^/?#]+)/.exec(page.url())?.[1] ?? '';
    expect(hostId).toMatch(/^hst_/);
    expect(await page.getByTestId('gpu-summary').textContent()).toBe('8× NVIDIA H200 (140 GiB)');
    expect(await page.getByText('nvidia-fabricmanager is not running').isVisible()).toBe(true);
    expect(await page.getByText('apt-get install nvidia-fabricmanager-570').isVisible()).toBe(true);
    await checker.check(page, 'host');
  });

  it('deploy wizard: a full node with the recommender’s defaults, inline validation, review, live progress', async () => {
    await page.getByRole('link', { name: 'Deploy a node' }).first().click();
    await heading('Deploy a node on gpu-01').waitFor();
    await page.getByLabel('Network').selectOption('sim');
    await page.getByLabel('Seed node API URL').fill(`http://127.0.0.1:${seedPort}`);
    await page.getByLabel('Seed node P2P address').fill('tcp://127.0.0.1:5000');
    await checker.check(page, 'wizard-role');
    await page.getByRole('button', { name: 'Next' }).click();

    const publicHost = page.getByLabel('Public address of this host');
    await publicHost.fill('http://203.0.113.7:8000');
    await publicHost.blur();
    await page.getByText('An IP address or DNS name only, without http:// or a port.').waitFor();
    expect(await publicHost.getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('button', { name: 'Next' }).click(); // refused: stays on the step
    expect(await page.getByRole('heading', { level: 2, name: 'Addresses and keys' }).isVisible()).toBe(true);
    await publicHost.fill('203.0.113.7');
    await page
      .getByLabel('Account public key')
      .fill(
        'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title',
      );
    await page.getByLabel('Account public key').blur();
    await page.getByText(/Never paste your cold key here/).waitFor();
    await page.getByLabel('Account public key').fill(PUBKEY);
    await checker.check(page, 'wizard-addresses');
    await page.getByRole('button', { name: 'Next' }).click();

    const proposal = page.getByTestId('proposal');
    await proposal.waitFor();
    const model = (await page.getByLabel('Model', { exact: true }).inputValue()).trim();
    expect(model).toMatch(/^[\w.-]+\/[\w.-]+$/);
    expect(await proposal.textContent()).toContain(model);
    expect(await proposal.textContent()).toMatch(/bundle’s model list was used/);
    expect(await proposal.locator('.reasons li').count()).toBeGreaterThan(2);
    expect(await page.getByLabel('vLLM arguments (one per line)').inputValue()).toMatch(/--/);
    await checker.check(page, 'wizard-serving');
    await page.getByRole('button', { name: 'Next' }).click();

    const review = page.getByTestId('review');
    await review.waitFor();
    const text = (await review.textContent()) ?? '';
    expect(text).toContain('http://203.0.113.7:8000');
    expect(text).toContain('tcp://203.0.113.7:5000');
    expect(text).toContain(PUBKEY);
    expect(text).toContain(model);
    await checker.check(page, 'wizard-review');
    await page.getByRole('button', { name: 'Deploy' }).click();

    await heading('Task: node.deploy').waitFor();
    // Live: the pull bar and the sync height arrive while the task still runs.
    await page.getByText('3 of 3', { exact: true }).waitFor();
    await page.getByText('400 of 1,200 (network height; lag 800)').waitFor();
    expect(await page.getByTestId('task-state').textContent()).toBe('running');
    expect(await page.getByRole('log').textContent()).toContain('pulled image 3 of 3');
    expect(await page.getByRole('progressbar', { name: /Chain sync/ }).getAttribute('value')).toMatch(
      /^33\.3/,
    );
    await checker.check(page, 'task-running');
    midDeploy.open();
    await expect.poll(() => page.getByTestId('task-state').textContent()).toBe('succeeded');
    expect(await page.getByTestId('task-result').textContent()).toContain(WARM);
    await page.getByText('1,200 of 1,200 (network height; lag 0)').waitFor();
    await checker.check(page, 'task-succeeded');
  });

  it('warm-key checklist: the grant command copyable; health read makes the checks done; the fleet shows the node healthy', async () => {
    await page.getByRole('link', { name: 'host’s node page' }).click();
    await heading('Host gpu-01').waitFor();
    await page.getByRole('link', { name: 'Open node' }).click();
    await heading('Node gpu-01').waitFor();
    const grant = page.getByTestId('cold-command-grant-ml-ops-permissions');
    await grant.waitFor();
    const command = (await grant.locator('pre').textContent()) ?? '';
    expect(command).toContain(`grant-ml-ops-permissions gonka-account-key ${WARM}`);
    await grant.getByRole('button', { name: /^Copy / }).click();
    await grant.getByText('Copied').waitFor();
    expect(await clipboard()).toBe(command);
    const checklist = page.getByTestId('checklist');
    expect(await checklist.locator('.check-done').count()).toBe(0);
    await checker.check(page, 'node-before-health');

    const facts = healthyFacts();
    expect(rollupHealth(facts).status).toBe('ok'); // the fixture is what a healthy node reports
    await page.getByRole('button', { name: 'Read health now' }).click();
    await heading('Task: node.health').waitFor();
    await expect.poll(() => page.getByTestId('task-state').textContent()).toBe('succeeded');
    await page.goBack();
    await heading('Node gpu-01').waitFor();
    await expect
      .poll(() => page.getByTestId('node-health').textContent(), { timeout: 15_000 })
      .toMatch(/^ok/);
    await expect.poll(() => checklist.locator('.check-done').count()).toBeGreaterThanOrEqual(4);
    await checker.check(page, 'node-healthy');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fleet' }).click();
    await heading('Fleet').waitFor();
    const row = page.getByRole('row', { name: /gpu-01/ });
    await row.waitFor();
    const cells = (await row.getByRole('cell').allTextContents()).map((c) => c.trim());
    expect(cells[1]).toMatch(/^ok/);
    expect(cells[2]).toBe('full · deployed');
    expect(cells[3]).toContain('0.2.14-1');
    expect(cells[4]).toContain('1,200');
    expect(cells[5]).toContain('1 block');
    expect(cells[6]).toContain('INFERENCE');
    expect(cells[7]).toBe('8× NVIDIA H200 (140 GiB)');
    await checker.check(page, 'fleet');
    await page.getByLabel('Search').fill('no-such-host');
    await page.getByText('No host matches these filters.').waitFor();
    await page.getByRole('button', { name: 'Clear the filters' }).click();
    await row.waitFor();
  });

  it('host page: containers with restarts and releases, and the log tail of a chosen service', async () => {
    await page.goto(`${fc.url}/hosts/${hostId}`);
    await heading('Host gpu-01').waitFor();
    const agent = agents[0];
    if (!agent) throw new Error('no agent');
    report = h200Report(STACK_SERVICES.map((service) => ({ service, state: 'running' })));
    await agent.report(report);
    await page.reload();
    await page.getByRole('button', { name: 'Read restarts and releases' }).click();
    const containers = page.getByRole('table', { name: 'Containers of the join stack' });
    await expect
      .poll(() => containers.getByRole('row', { name: /inference/ }).textContent())
      .toMatch(/healthy\s*2/);
    expect(await page.getByText('0.2.14-1').first().isVisible()).toBe(true);
    await page.getByLabel('Service', { exact: true }).selectOption('node');
    await page.getByRole('button', { name: 'Show the last 200 lines' }).click();
    await page.getByText('INF committed state height=1200').waitFor();
    await checker.check(page, 'host-with-stack');
  });

  it('a failed task shows what happened and what to do, and offers a retry', async () => {
    await page.goto(`${fc.url}/hosts/new`);
    await page.getByLabel('Host name').fill('gpu-02');
    await page.getByRole('button', { name: 'Add host' }).click();
    const command = (await page.getByLabel('Install command').textContent()) ?? '';
    const token = /--token '(gnm-enroll-[^']+)'/.exec(command)?.[1] ?? '';
    let deploys = 0;
    const agent = await TestAgent.enroll(fc.cp.pins, token, {
      execute: async (op, emit) => {
        if (op.op !== 'node.deploy') return { ok: false, error: { code: 'unexpected', message: op.op } };
        deploys++;
        emit({ progress: { phase: 'preflight' }, log: 'checking the host can run a network node' });
        return {
          ok: false,
          error: {
            code: 'preflight-failed',
            message: 'disk: 12 GiB free under /var/lib/gnm-agent/stacks; a Gonka node needs 250+ GB',
          },
        };
      },
    });
    agents.push(agent);
    await agent.connect();
    await agent.report(h200Report());
    await heading('Host gpu-02').waitFor();
    await page.getByRole('link', { name: 'Deploy a node' }).first().click();
    await page.getByLabel('What to run on this host').selectOption('network');
    await page.getByLabel('Network').selectOption('sim');
    await page.getByLabel('Seed node API URL').fill(`http://127.0.0.1:${seedPort}`);
    await page.getByLabel('Seed node P2P address').fill('tcp://127.0.0.1:5000');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Public address of this host').fill('203.0.113.8');
    await page.getByLabel('Account public key').fill(PUBKEY);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByTestId('review').waitFor(); // a network node has no model step
    await page.getByRole('button', { name: 'Deploy' }).click();
    await heading('Task: node.deploy').waitFor();
    const error = page.getByTestId('task-error');
    await error.waitFor();
    const text = (await error.textContent()) ?? '';
    expect(text).toContain('Failed: preflight-failed');
    expect(text).toContain('12 GiB free under /var/lib/gnm-agent/stacks');
    expect(text).toMatch(/What to do:.*Fix the failed preflight checks on the host/);
    expect(text).not.toMatch(/at \S+\.(ts|js):\d+/); // no stack trace
    await checker.check(page, 'task-failed');
    const failedUrl = page.url();
    await page.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => page.url()).not.toBe(failedUrl);
    await page.getByTestId('task-error').waitFor();
    expect(deploys).toBe(2);
  });

  it('user isolation: user B, invited by the owner, sees none of the owner’s hosts', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await heading('Users').waitFor();
    await page.getByLabel('Email').fill('b@example.org');
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const link = (await page.getByLabel('Invitation link').textContent()) ?? '';
    expect(link).toMatch(new RegExp(`^${fc.url}/invite#`));
    await checker.check(page, 'users');

    const other = await launchBrowser(fc.url);
    try {
      const b = await other.context.newPage();
      checker.watch(b, 'user B');
      await b.goto(link);
      await b.getByRole('heading', { level: 1, name: 'Accept your invitation' }).waitFor();
      await checker.check(b, 'invite');
      await b.getByLabel('Choose a password').fill('another long passphrase');
      await b.getByLabel('Password again').fill('another long passphrase');
      await b.getByRole('button', { name: 'Create my account' }).click();
      await b.getByRole('heading', { level: 1, name: 'Fleet' }).waitFor();
      await b.getByText('No hosts yet.').waitFor();
      expect(await b.getByText('gpu-01').count()).toBe(0);
      expect(await b.getByRole('link', { name: 'Users' }).count()).toBe(0);
      await b.goto(`${fc.url}/hosts/${hostId}`);
      await b.getByRole('alert').waitFor();
      expect(await b.getByRole('alert').textContent()).toMatch(/not found/i);
      expect(await b.getByText('gpu-01').count()).toBe(0);
      await checker.check(b, 'isolation-not-found');
      await b.goto(`${fc.url}/tasks`);
      await b.getByText('No tasks.').waitFor();
    } finally {
      await other.close();
    }
  });

  it('API tokens: made and shown once, listed, revoked', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API tokens' }).click();
    await heading('API tokens').waitFor();
    await page.getByText('No API tokens.').waitFor();
    await page.getByLabel('Token name').fill('cli');
    await page.getByLabel('Scope').selectOption('write');
    await page.getByRole('button', { name: 'Create token' }).click();
    expect(await page.getByLabel('API token', { exact: true }).textContent()).toMatch(/^gnmt_/);
    expect(await page.getByLabel('CLI login command').textContent()).toMatch(/gnm -- login --url https:/);
    await page.getByRole('row', { name: /cli\s*write/ }).waitFor();
    await checker.check(page, 'tokens');
    await page.getByRole('button', { name: 'Revoke token cli' }).click();
    await page.getByRole('button', { name: 'Yes, revoke cli' }).click();
    await page.getByText('No API tokens.').waitFor();
  });

  it('the audit log lists what was done', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await heading('Audit log').waitFor();
    const table = (await page.getByRole('table').textContent()) ?? '';
    for (const action of [
      'host.create',
      'node.create',
      'node.deploy',
      'token.create',
      'token.revoke',
      'account.logout',
    ])
      expect(table, table).toContain(action);
    await checker.check(page, 'audit');
  });

  it('password change: every session ends; the new password logs in, the old one does not', async () => {
    await page.getByRole('link', { name: 'Password' }).click();
    await heading('Change your password').waitFor();
    await checker.check(page, 'password');
    await page.getByLabel('Current password').fill(OWNER.password);
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('New password again').fill('short');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/at least 12 characters/);
    const next = 'an even longer passphrase now';
    await page.getByLabel('New password', { exact: true }).fill(next);
    await page.getByLabel('New password again').fill(next);
    await page.getByRole('button', { name: 'Change password' }).click();
    await heading('Log in').waitFor();
    expect(await page.getByText(/Password changed/).isVisible()).toBe(true);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(next);
    await page.getByRole('button', { name: 'Log in' }).click();
    await heading('Fleet').waitFor();
  });

  it('every page passed the accessibility and layout checks at both sizes', () => {
    expect(checker.report()).toEqual([]);
    expect(checker.checked.length).toBeGreaterThanOrEqual(20);
  });
});
