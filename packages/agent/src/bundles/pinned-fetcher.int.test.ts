import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchBundle } from '@gnm/bundle';
import { startTestControlPlane, type TestControlPlane } from '@gnm/control-plane/testing';
import { Release, cleanupTuf } from '@gnm/control-plane/testing/tuf-release';
import { PinnedFetcher } from './pinned-fetcher.js';

/**
 * The agent's side of invariant 3 over the real wire: a signed bundle imported into a control plane
 * with a self-signed certificate is fetched through TUF over TLS pinned to the install command's key,
 * verified against the pinned root; the wrong pin gets nothing.
 */
describe('fetching a signed bundle from the control plane over pinned TLS', () => {
  let cp: TestControlPlane;
  const release = new Release();
  let rootSha256 = '';
  beforeAll(async () => {
    cp = await startTestControlPlane('sqlite');
    release.release();
    const r = await cp.services.bundles.import(await release.archive());
    rootSha256 = r.initialRootSha256 ?? (await cp.services.bundles.trust()).rootSha256 ?? '';
  });
  afterAll(async () => {
    await cp.close();
    cleanupTuf();
  });

  const fetchWith = (tlsPin: string | null) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-agent-tuf-'));
    return {
      dir,
      run: () =>
        fetchBundle({
          repoUrl: `${cp.url}/tuf/v1`,
          name: 'gonka-join',
          version: '0.2.14-1',
          metadataDir: path.join(dir, 'metadata'),
          destDir: path.join(dir, 'bundle'),
          rootSha256,
          initialRoot: release.rootFile(1),
          fetcher: new PinnedFetcher(tlsPin),
        }),
    };
  };

  it('verifies and writes the bundle with the right pin', async () => {
    expect(cp.url).toMatch(/^https:/);
    const { run } = fetchWith(cp.pins.tlsPin);
    const b = await run();
    expect(b.manifest.name).toBe('gonka-join');
    expect(fs.existsSync(path.join(b.dir, 'deploy/join/docker-compose.yml'))).toBe(true);
  });

  it('gets nothing with the wrong pin', async () => {
    const { run, dir } = fetchWith('sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    await expect(run()).rejects.toThrow(/does not match the pin|unreachable/);
    expect(fs.existsSync(path.join(dir, 'bundle'))).toBe(false);
  });
});
