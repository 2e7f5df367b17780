import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HostPathContext } from '@gnm/bundle';
import { hostPathProblems } from './host-paths.js';

/**
 * The agent's apply-time host-path check on a real folder tree: links under an allowed root that
 * lead to a system folder, the stacks root or nowhere are refused, and a value that reaches a mount
 * source is judged as a host path whatever kind the manifest gives it.
 */
const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-host-paths-')));
const allowed = path.join(base, 'allowed');
const stacks = path.join(base, 'stacks');
const release = path.join(stacks, 'join', 'releases', '1.0.0');
const project = path.join(release, 'deploy', 'join');
const stackState = path.join(stacks, 'join', 'state');
for (const d of [allowed, project, stackState, path.join(allowed, 'hf')])
  fs.mkdirSync(d, { recursive: true });
fs.symlinkSync('/var/run', path.join(allowed, 'escape'));
fs.symlinkSync(stacks, path.join(allowed, 'to-stacks'));
fs.symlinkSync(path.join(base, 'nowhere', 'x'), path.join(allowed, 'dangling'));
fs.symlinkSync('/etc', path.join(project, 'etc-link'));
fs.symlinkSync(path.join(stackState, '.inference'), path.join(project, '.inference'));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

const ctx: HostPathContext = {
  allowedRoots: [allowed],
  protectedRoots: [
    { path: '/var/lib/docker', what: 'the Docker data root' },
    { path: path.join(base, 'agent-state'), what: "the agent's state folder" },
    { path: stacks, what: 'the stacks root' },
  ],
};
const manifest = {
  parameters: {
    HF_HOME: { kind: 'host-path' as const, description: 'model cache', required: false },
    MODELS: { kind: 'string' as const, description: 'declared as text', required: false },
  },
};
const SIGNED = `services:
  inference:
    volumes:
      - \${HF_HOME}:/root/.cache
      - \${MODELS:-./models}:/models
      - /var/run/docker.sock:/var/run/docker.sock
      - .inference:/root/.inference
`;
const check = (values: Record<string, string>, sources: Record<string, string> = {}) =>
  hostPathProblems({
    manifest,
    values,
    ctx,
    resolvedModel: {
      services: {
        inference: {
          volumes: [
            ...Object.entries(sources).map(([target, source]) => ({ type: 'bind', source, target })),
            { type: 'bind', source: '/var/run/docker.sock', target: '/var/run/docker.sock' },
            { type: 'bind', source: path.join(project, '.inference'), target: '/root/.inference' },
            { type: 'volume', source: 'data', target: '/data' },
          ],
        },
      },
    },
    composeTexts: [SIGNED],
    releaseDir: release,
    projectDir: project,
    stackStateDir: stackState,
  });

describe("the agent's host-path check at apply", () => {
  it('accepts a real folder under an allowed root, and what the signed files mount literally', () => {
    const hf = path.join(allowed, 'hf');
    expect(check({ HF_HOME: hf }, { '/root/.cache': hf })).toEqual([]);
    expect(check({ HF_HOME: path.join(allowed, 'not-yet', 'made') })).toEqual([]);
  });

  it.each([
    ['a link to /var/run', path.join(allowed, 'escape'), /HF_HOME: .*leads to \/(var\/)?run /],
    ['a path through that link', path.join(allowed, 'escape', 'hf'), /leads to \/(var\/)?run\/hf/],
    ['a link to the stacks root', path.join(allowed, 'to-stacks', 'x'), /the stacks root/],
    [
      'a link that leads nowhere',
      path.join(allowed, 'dangling', 'hf'),
      /symbolic link to a folder that does not exist/,
    ],
    [
      'a folder outside the allowed roots',
      path.join(base, 'elsewhere'),
      /not under a folder this host allows/,
    ],
    ['a system folder', '/var/run', /system folder \/var\/run/],
    ['the agent state', path.join(base, 'agent-state', 'secrets'), /the agent's state folder/],
  ])('refuses %s', (_what, v, why) => {
    const problems = check({ HF_HOME: v });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(why);
    expect(problems[0]).toMatch(/srv\/gonka\/hf-cache/);
  });

  it('judges a value declared as text that reaches a mount source as a host path', () => {
    const problems = check({ MODELS: '/var/run' }, { '/models': '/var/run' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^MODELS \(service inference volume \/models\): "\/var\/run" must not be \/var\/run/,
    );
    expect(
      check({ MODELS: path.join(allowed, 'escape') }, { '/models': path.join(allowed, 'escape') })[0],
    ).toMatch(/leads to \/(var\/)?run /);
    expect(check({ MODELS: path.join(allowed, 'hf') }, { '/models': path.join(allowed, 'hf') })).toEqual([]);
  });

  it('keeps a relative source inside the release, where links lead only to the stack state', () => {
    expect(check({}, { '/models': path.join(project, 'models') })).toEqual([]);
    const out = check({ MODELS: './etc-link' }, { '/models': path.join(project, 'etc-link') });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/leads out of the release to \/etc/);
  });
});
