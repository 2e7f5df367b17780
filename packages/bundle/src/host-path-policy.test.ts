import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkValue, type ParamSpec } from './index.js';
import { checkHostPath, checkHostPathOnHost, normaliseHostPath } from './host-path-policy.js';

/**
 * Host paths (HF_HOME, SSL_CERT_SOURCE…) are mounted read-write into third-party containers: a
 * value that is, contains or lies under a system folder would hand them the host (the Docker
 * socket, cron, root's SSH keys, the agent's keys). Every spelling of such a path is refused.
 */
const HOST_PATH: ParamSpec = { kind: 'host-path', description: 'a host folder', required: false };

describe('host-path values', () => {
  it.each([
    '/',
    '//',
    '/var/run',
    '/var/run/',
    '/run',
    '/run/',
    '//etc',
    '/etc/',
    '/etc/cron.d',
    '/etc//cron.d/',
    '/root/.ssh',
    '/root',
    '/var/lib/docker',
    '/var/lib/docker/',
    '/var/lib/containerd',
    '/var/lib/gnm-agent/secrets',
    '/var',
    '/srv/x/../../etc',
    '/srv/../etc',
    '/srv/./../var/run',
    '/proc/self',
    '/sys/fs',
    '/dev/shm',
    '/usr/local/bin',
    '/boot/grub',
    '/srv/gnm',
    '/srv/gnm/join/state',
    '/srv',
    '/mnt',
    '/tmp',
  ])('refuses %s', (v) => {
    expect(checkValue(HOST_PATH, v)).toBeTypeOf('string');
  });

  it.each(['/srv/gonka/hf-cache', '/mnt/models', '/mnt/shared', '/srv/gnm-hf', '/data/hf', '/mnt/models/'])(
    'accepts %s',
    (v) => {
      expect(checkValue(HOST_PATH, v)).toBeUndefined();
    },
  );

  it('says what to choose instead', () => {
    expect(checkValue(HOST_PATH, '/var/run')).toMatch(/\/srv\/gonka\/hf-cache/);
  });
});

describe('the host-path rules with a host’s own roots', () => {
  const ctx = {
    allowedRoots: ['/srv', '/data/models/'],
    protectedRoots: [{ path: '/data/docker', what: 'the Docker data root' }],
  };

  it('normalises before judging', () => {
    expect(normaliseHostPath('/srv//gonka/./hf-cache/')).toEqual({ path: '/srv/gonka/hf-cache' });
    expect(normaliseHostPath('/srv/../etc')).toHaveProperty('error');
    expect(normaliseHostPath('srv/x')).toHaveProperty('error');
  });

  it('accepts only folders strictly under an allowed root, away from the protected ones', () => {
    expect(checkHostPath('/srv/gonka/hf-cache', ctx)).toBeUndefined();
    expect(checkHostPath('/data/models/hf', ctx)).toBeUndefined();
    expect(checkHostPath('/data/models', ctx)).toMatch(/not under a folder this host allows/);
    expect(checkHostPath('/mnt/models', ctx)).toMatch(/under \/srv, \/data\/models/);
    expect(checkHostPath('/data/docker/volumes', ctx)).toMatch(/lies in the Docker data root/);
    expect(checkHostPath('/data', { ...ctx, allowedRoots: ['/'] })).toMatch(/contains the Docker data root/);
  });

  it('refuses a home folder and its hidden entries, not a visible folder inside it', () => {
    expect(checkHostPath('/home/alice')).toMatch(/home folder/);
    expect(checkHostPath('/home/alice/.ssh')).toMatch(/hidden entry/);
    expect(checkHostPath('/home/alice/.config/x')).toMatch(/hidden entry/);
    expect(checkHostPath('/home/alice/models')).toBeUndefined();
  });

  it('refuses a link under an allowed root that leads to a system folder, on the host', () => {
    const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-hp-')));
    try {
      fs.symlinkSync('/etc', path.join(base, 'cfg'));
      const local = { allowedRoots: [base], protectedRoots: [] };
      expect(checkHostPathOnHost(path.join(base, 'hf'), local)).toBeUndefined();
      expect(checkHostPathOnHost(path.join(base, 'cfg', 'cron.d'), local)).toMatch(
        /leads to \/etc\/cron.d through a symbolic link/,
      );
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});
