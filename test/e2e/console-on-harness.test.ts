import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ResultPromise } from 'execa';
import type { Host } from '@gnm/testkit';
import { sharedPool } from '@gnm/testkit/vitest';
import { createColdKey, pushSimImages, startSeed } from '@gnm/sim/testing';
import { Release, cleanupTuf } from '@gnm/control-plane/testing/tuf-release';
import { launchBrowser, type Browser } from '../../packages/web/src/testing/browser.js';
import { PageChecker } from '../../packages/web/src/testing/page-checks.js';
import { startFreshConsole, type FreshConsole } from '../../packages/web/src/testing/console.js';
import {
  agentExecutable,
  installSimNvidiaSmi,
  resetAgentHost,
  signAll,
  simBundles,
  tmp,
} from '../../packages/agent/src/harness/fixtures.js';

/**
 * The console as an operator uses it, on the harness with real agents and the sim, in Chromium:
 * first run → add a host → run the shown install command on it → deploy a full node with the
 * recommender's defaults (the preflight's findings accepted in the page) → register → run the shown
 * grant command with the cold key → the node turns healthy on the fleet page; then a second host
 * with an ML node, attached to the first from the node page, with the connectivity shown; a second
 * user sees none of it. Every page on the way passes the accessibility and layout checks at both sizes.
 */
const SHOTS = path.resolve(import.meta.dirname, '../../.test-results/web-screenshots-harness');
const OWNER = { email: 'operator@example.org', password: 'a long operator passphrase' };
const BUNDLE = 'gonka-join-sim';
const VERSION = '0.2.14-9';
const COLD_DIR = '/srv/operator-cold-key';
const GPUS = { profile: 'h200-8x', sim: '8xNVIDIA H200:143771' };

describe('the console on real hosts (sim): deploy, grant, healthy, attach', { timeout: 600_000 }, () => {
  const pool = sharedPool();
  const [A, B, OP] = [pool.host('a'), pool.host('b'), pool.host('c')];
  const release = new Release();
  let fc: FreshConsole;
  let browser: Browser;
  let page: Page;
  let checker: PageChecker;
  let images: { network: string; mlnode: string };
  let seed: { api: string; p2p: string };
  let cold: { address: string; pubkey: string };
  const agents: ResultPromise[] = [];
  const output: Record<string, string> = {};
  const hostPages: Record<string, string> = {};

  const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
  const extras = (h: Host, role: 'full' | 'mlnode') =>
    [
      ...(role === 'full' ? [`GNM_SIM_IMAGE=${images.network}`, 'SIM_SETUP_REPORT_CACHE_MS=1000'] : []),
      `GNM_SIM_MLNODE_IMAGE=${images.mlnode}`,
      `SIM_GPUS=${GPUS.sim}`,
      'SIM_MODEL_DOWNLOAD_MS=1000',
      ...(role === 'mlnode' ? [`MLNODE_BIND_ADDRESS=${h.ip}`] : []),
    ].join('\n');

  /** Add a host in the page, run the command it shows on `h`, and wait for the page to become the host. */
  const addHost = async (h: Host, name: string) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Add host' }).click();
    await heading('Add a host').waitFor();
    await page.getByLabel('Host name').fill(name);
    await page.getByRole('button', { name: 'Add host' }).click();
    const command = (await page.getByLabel('Install command').textContent()) ?? '';
    expect(command).toMatch(/^curl .*install\.sh/);
    const p = h.spawn('sh', ['-c', `${command.replace('| sudo sh -s --', '| sh -s --')} --foreground`]);
    output[name] = '';
    p.stdout?.on('data', (d: Buffer) => (output[name] += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (output[name] += d.toString()));
    p.catch(() => undefined);
    agents.push(p);
    await heading(`Host ${name}`).waitFor({ timeout: 60_000 });
    hostPages[name] = page.url();
  };

  /** The deploy wizard with the recommender's proposal, then the task page until it succeeds. */
  const deployFromWizard = async (h: Host, name: string, role: 'full' | 'mlnode') => {
    await page.getByRole('link', { name: 'Deploy a node' }).first().click();
    await heading(`Deploy a node on ${name}`).waitFor();
    if (role === 'mlnode')
      await page.getByLabel('What to run on this host').selectOption({ label: 'ML node (GPU inference)' });
    await page.getByLabel('Network').selectOption('sim');
    await page.getByLabel('Seed node API URL').fill(seed.api);
    await page.getByLabel('Seed node P2P address').fill(seed.p2p);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Public address of this host').fill(h.ip);
    if (role === 'full') await page.getByLabel('Account public key').fill(cold.pubkey);
    await page.getByLabel('Model cache folder (HF_HOME)').fill('/srv/gnm-hf');
    await page.getByText('Advanced: bundle and further parameters').click();
    await page.getByLabel('Bundle', { exact: true }).fill(BUNDLE);
    await page.getByLabel(/Further bundle parameters/).fill(extras(h, role));
    await checker.check(page, `wizard-addresses-${role}`);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByTestId('proposal').waitFor({ timeout: 30_000 });
    // The live list of the sim network, not the bundle's fallback.
    expect(await page.getByTestId('proposal').textContent()).not.toMatch(/bundle’s model list was used/);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByTestId('review').waitFor();
    expect(await page.getByTestId('review').textContent()).toContain(BUNDLE);
    await page.getByRole('button', { name: 'Deploy' }).click();
    await heading('Task: node.deploy').waitFor();
    // The replayed 8×H200 machine has NVLink but no Fabric Manager running: the preflight stops the
    // deploy (the missing NVIDIA runtime is only a warning), and the page offers to accept the
    // blocking finding by name.
    await expect
      .poll(() => page.getByTestId('task-state').textContent(), { timeout: 120_000 })
      .toBe('failed');
    expect(await page.getByTestId('task-error').textContent()).toMatch(/preflight-failed/);
    await checker.check(page, `preflight-refused-${role}`);
    await page.getByLabel(/^fabric-manager:/).check();
    const refused = page.url();
    await page.getByRole('button', { name: 'Deploy again, accepting the ticked findings' }).click();
    await page.waitForURL((u) => u.href !== refused && /\/tasks\//.test(u.pathname));
    // The new task's own page (not the refused one's state, still on screen for a moment).
    await page.getByText(page.url().split('/tasks/')[1] ?? '-', { exact: true }).waitFor();
    await expect
      .poll(() => page.getByTestId('task-state').textContent(), { timeout: 300_000 })
      .toMatch(/succeeded|failed/);
    expect(await page.getByTestId('task-state').textContent(), output[name]?.slice(-2000)).toBe('succeeded');
  };

  const openNode = async (name: string) => {
    await page.goto(`${fc.url}/`);
    await heading('Fleet').waitFor();
    await page
      .getByRole('row', { name: new RegExp(name) })
      .getByRole('link', { name: /·/ })
      .click();
    await heading(`Node ${name}`).waitFor();
  };

  beforeAll(async () => {
    const [exe, pushed] = await Promise.all([agentExecutable(), pushSimImages(pool)]);
    const first = pushed[0];
    if (!first) throw new Error('no sim images');
    images = first;
    fc = await startFreshConsole({
      controlPlane: {
        listenHost: pool.descriptor.gatewayIp,
        agentBinary: exe.file,
        nodeHealthIntervalMs: 2000,
      },
      standInBundle: false,
    });
    const [bundle] = simBundles([VERSION]);
    if (!bundle) throw new Error('no bundle');
    signAll(release, [bundle.dir]);
    await fc.cp.services.bundles.import(await release.archive());
    seed = await startSeed(OP, images.network, { SIM_EPOCH_LENGTH: '20' });
    cold = await createColdKey(OP, images.network, COLD_DIR);
    await Promise.all([A, B].map((h) => installSimNvidiaSmi(h, GPUS.profile)));
    browser = await launchBrowser(fc.url);
    page = await browser.context.newPage();
    page.setDefaultTimeout(30_000);
    checker = new PageChecker(SHOTS);
    checker.watch(page, 'operator');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    for (const p of agents) p.kill('SIGKILL');
    await Promise.all([A, B].map(resetAgentHost));
    await OP.exec('docker', ['rm', '-f', 'sim-seed']);
    await OP.exec('rm', ['-rf', COLD_DIR]);
    await fc?.close();
    cleanupTuf();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('first run, then a host added in the page and installed with the command it shows', async () => {
    await page.goto(`${fc.url}/`);
    await heading('Set up Gonka Node Manager').waitFor();
    await page.getByLabel('Setup token').fill(fc.setupToken);
    await page.getByLabel('Your email').fill(OWNER.email);
    await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
    await page.getByLabel('Password again').fill(OWNER.password);
    await page.getByRole('button', { name: 'Create the owner account' }).click();
    await heading('Fleet').waitFor();
    await addHost(A, 'host-a');
    // The real probe of the agent, through the sim nvidia-smi: the host page shows the GPUs.
    await expect
      .poll(() => page.getByTestId('gpu-summary').textContent(), { timeout: 30_000 })
      .toMatch(/8× NVIDIA H200/);
    await checker.check(page, 'harness-host');
  });

  it('deploys a full node with the recommender’s defaults, accepting the sim machine’s findings in the page', async () => {
    await deployFromWizard(A, 'host-a', 'full');
    await checker.check(page, 'harness-deployed');
  });

  it('registers it, the operator runs the grant command the page shows; the node turns healthy on the fleet', async () => {
    await openNode('host-a');
    await page.getByRole('button', { name: 'Register on chain' }).click();
    await heading('Task: node.register').waitFor();
    await expect
      .poll(() => page.getByTestId('task-state').textContent(), { timeout: 120_000 })
      .toBe('succeeded');
    await openNode('host-a');
    const grant = page.getByTestId('cold-command-grant-ml-ops-permissions');
    await grant.waitFor();
    const command = ((await grant.locator('pre').textContent()) ?? '').trim();
    expect(command).toMatch(/^inferenced tx inference grant-ml-ops-permissions /);
    // On the operator's own machine, as shown: the cold key's container, its keyring password on stdin.
    await OP.docker(
      ['run', '--rm', '-i', '-v', `${COLD_DIR}:/root/.inference`, images.network, 'sh', '-c', command],
      { input: 'test-keyring-password\n' },
    );
    await expect
      .poll(() => page.getByTestId('checklist').locator('.check-done').count(), { timeout: 180_000 })
      .toBe(5);
    await expect
      .poll(() => page.getByTestId('node-health').textContent(), { timeout: 120_000 })
      .toMatch(/^ok/);
    await checker.check(page, 'harness-node-healthy');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fleet' }).click();
    const row = page.getByRole('row', { name: /host-a/ });
    await row.waitFor();
    await expect.poll(async () => (await row.getByRole('cell').allTextContents())[1]?.trim()).toMatch(/^ok/);
    expect((await row.getByRole('cell').allTextContents())[2]?.trim()).toBe('full · registered');
    await checker.check(page, 'harness-fleet');
  });

  it('attaches an ML node on a second host from the node page; the connectivity shows both ways', async () => {
    await addHost(B, 'host-b');
    await deployFromWizard(B, 'host-b', 'mlnode');
    await openNode('host-a');
    const form = page.getByRole('form', { name: 'Attach an ML node' });
    await page.getByLabel('ML node', { exact: true }).selectOption({ label: 'host-b' });
    await page.getByLabel('Network node address (as the ML host reaches it)').fill(A.ip);
    await page.getByLabel('ML host address (as the network node reaches it)').fill('not-an-address');
    await form.getByRole('button', { name: 'Attach' }).click();
    await page.getByText('an IPv4 address, e.g. 10.0.0.7').waitFor(); // refused next to the field
    await page.getByLabel('ML host address (as the network node reaches it)').fill(B.ip);
    await form.getByRole('button', { name: 'Attach' }).click();
    const item = page.getByTestId('attachment-host-b');
    await item.waitFor();
    await expect
      .poll(() => item.locator('.badge').first().textContent(), { timeout: 300_000 })
      .toMatch(/attached|failed/);
    expect(await item.textContent()).not.toContain('The attachment failed');
    const text = (await item.textContent()) ?? '';
    expect(text).toContain(`http://${A.ip}:9100`);
    for (const check of ['ml-health', 'ml-state', 'ml-inference', 'callback']) expect(text).toContain(check);
    expect(await item.locator('.badge-bad').count()).toBe(0);
    await checker.check(page, 'harness-attached');
    // The ML node's own page says where it is attached.
    await openNode('host-b');
    await page.getByTestId('attachment-host-b').waitFor();
    await checker.check(page, 'harness-ml-node');
  });

  it('user isolation: user B, invited by the operator, sees none of these hosts, nodes or tasks', async () => {
    await openNode('host-a');
    const nodePage = page.url();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await heading('Users').waitFor();
    await page.getByLabel('Email').fill('b@example.org');
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const link = (await page.getByLabel('Invitation link').textContent()) ?? '';
    const other = await launchBrowser(fc.url);
    try {
      const b = await other.context.newPage();
      checker.watch(b, 'user B');
      await b.goto(link);
      await b.getByLabel('Choose a password').fill('another long passphrase');
      await b.getByLabel('Password again').fill('another long passphrase');
      await b.getByRole('button', { name: 'Create my account' }).click();
      await b.getByRole('heading', { level: 1, name: 'Fleet' }).waitFor();
      await b.getByText('No hosts yet.').waitFor();
      expect(await b.getByText(/host-[ab]/).count()).toBe(0);
      for (const url of [hostPages['host-a'] ?? '', hostPages['host-b'] ?? '', nodePage]) {
        expect(url).toMatch(/\/(hosts|nodes)\/[a-z]+_/);
        await b.goto(url);
        await b.getByRole('alert').waitFor();
        expect(await b.getByRole('alert').textContent()).toMatch(/not found/i);
        expect(await b.getByText(/host-[ab]/).count()).toBe(0);
      }
      await checker.check(b, 'harness-isolation');
      await b.goto(`${fc.url}/tasks`);
      await b.getByText('No tasks.').waitFor();
    } finally {
      await other.close();
    }
  });

  it('every page passed the accessibility and layout checks at both sizes', () => {
    expect(checker.checked.length).toBeGreaterThanOrEqual(8);
    expect(checker.report()).toEqual([]);
  });
});
