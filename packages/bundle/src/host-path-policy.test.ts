import { describe, expect, it } from 'vitest';
import { checkValue, type ParamSpec } from './index.js';

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
