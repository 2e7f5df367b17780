import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderUnit } from './systemd-unit.js';

describe('the agent’s systemd unit', () => {
  it('passes systemd-analyze verify', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-unit-'));
    const exe = path.join(dir, 'gnm-agent');
    fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
    const unit = path.join(dir, 'gnm-agent.service');
    fs.writeFileSync(
      unit,
      renderUnit({
        execPath: exe,
        stateDir: '/var/lib/gnm-agent',
        stacksRoot: '/srv/gnm',
        httpsProxy: 'http://proxy.lan:3128',
        noProxy: 'localhost,10.0.0.0/8',
      }),
    );
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    // verify also reports unrelated units of the machine; only lines about ours count.
    const ours = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('gnm-agent'));
    expect(ours).toEqual([]);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(unit, 'utf8')).toContain(
      `ExecStart=${exe} run --state-dir /var/lib/gnm-agent --stacks-root /srv/gnm`,
    );
  });

  it('refuses values that could add a directive', () => {
    expect(() =>
      renderUnit({
        execPath: '/usr/local/bin/gnm-agent',
        stateDir: '/var/lib/x\nExecStartPre=/bin/rm',
        stacksRoot: '/srv',
      }),
    ).toThrow(/--state-dir/);
    expect(() =>
      renderUnit({ execPath: '/usr/local/bin/gnm-agent', stateDir: '/var/lib/x', stacksRoot: '/srv/../etc' }),
    ).toThrow(/--stacks-root/);
    expect(() =>
      renderUnit({
        execPath: '/usr/local/bin/gnm-agent',
        stateDir: '/var/lib/x',
        stacksRoot: '/srv',
        httpsProxy: 'http://p:1\nUser=nobody',
      }),
    ).toThrow(/HTTPS_PROXY/);
  });

  it('carries the host’s own outbound policy, checked', () => {
    const base = { execPath: '/usr/local/bin/gnm-agent', stateDir: '/var/lib/x', stacksRoot: '/srv' };
    expect(renderUnit({ ...base, outboundAllow: 'private, 127.0.0.1/32' })).toContain(
      'Environment=GNM_AGENT_OUTBOUND_ALLOW=private,127.0.0.1/32\n',
    );
    expect(() => renderUnit({ ...base, outboundAllow: 'private\nUser=nobody' })).toThrow(
      /GNM_AGENT_OUTBOUND_ALLOW/,
    );
    expect(() => renderUnit({ ...base, outboundAllow: '169.254.169.254' })).toThrow(/metadata/);
  });
});
