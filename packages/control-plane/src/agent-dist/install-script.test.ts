import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderInstallScript, shQuote } from './install-script.js';

const SHA = 'a'.repeat(64);

describe('the install script', () => {
  it('quotes hostile values so sh reads them back unchanged and runs nothing', () => {
    for (const v of ["it's", '$(touch /tmp/x)', '`id`', 'a\nb', '"; rm -rf / #', "'", '\\', '']) {
      expect(execFileSync('sh', ['-c', `printf %s ${shQuote(v)}`], { encoding: 'utf8' })).toBe(v);
    }
  });

  it('is valid sh, embeds the digest and the download address, and checks the digest before installing', () => {
    const s = renderInstallScript({
      publicUrl: "https://cp.example.org:8443/it's",
      sha256: SHA,
      version: '0.1.0',
    });
    execFileSync('sh', ['-n'], { input: s });
    expect(s).toContain(`AGENT_SHA256='${SHA}'`);
    expect(s).toContain(`AGENT_URL='https://cp.example.org:8443/it'\\''s/agent/v1/gnm-agent-linux-x64'`);
    expect(s.indexOf('sha256sum "$TMP"')).toBeLessThan(s.indexOf('mv -f "$TMP"'));
    expect(s).toContain('--pinnedpubkey "$TLS_PIN"');
    // The installed file leaves the page cache before the agent starts (resident memory, see the script).
    expect(s.indexOf('iflag=nocache')).toBeGreaterThan(s.indexOf('mv -f "$TMP"'));
    expect(s.indexOf('iflag=nocache')).toBeLessThan(s.indexOf('gnm-agent" run'));
  });

  it('refuses a digest that is not 64 hex digits', () => {
    expect(() =>
      renderInstallScript({ publicUrl: 'https://x', sha256: `${SHA}'; id`, version: '1' }),
    ).toThrow(/64 hex/);
  });
});

/**
 * The rendered script run for real by `sh`, on a PATH that holds only fakes and the coreutils it needs:
 * `id` and `uname` say what the test wants, `curl` serves a file and logs its arguments, `systemctl`
 * logs its arguments, and the "agent" it downloads is a shell script that logs how it is called.
 */
describe('the install script, run', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-install-script-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const AGENT = `#!/bin/sh
{ echo "--- gnm-agent"; for a in "$@"; do printf '<%s>\\n' "$a"; done; } >> "$LOG"
[ "$1" = status ] && exit "\${FAKE_ENROLLED:-2}"
exit 0
`;
  const CURL = `#!/bin/sh
{ echo "--- curl"; for a in "$@"; do printf '<%s>\\n' "$a"; done; } >> "$LOG"
[ "\${FAKE_CURL_RC:-0}" = 0 ] || exit "$FAKE_CURL_RC"
while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
cat "$FAKE_PAYLOAD" > "$out"
`;
  const genuineSha = crypto.createHash('sha256').update(AGENT).digest('hex');
  const script = renderInstallScript({
    publicUrl: 'https://cp.example.org:8443',
    sha256: genuineSha,
    version: '0.1.0',
  });

  let n = 0;
  const run = (
    args: string[],
    o: { env?: Record<string, string>; systemctl?: boolean; payload?: string; script?: string } = {},
  ) => {
    const dir = path.join(root, String(n++));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    for (const tool of ['sha256sum', 'cut', 'mktemp', 'chmod', 'mv', 'dd', 'rm', 'mkdir', 'cat']) {
      const real = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((f) => fs.existsSync(f));
      if (!real) throw new Error(`${tool} is not installed`);
      fs.symlinkSync(real, path.join(bin, tool));
    }
    const fake = (name: string, body: string) =>
      fs.writeFileSync(path.join(bin, name), body, { mode: 0o755 });
    fake('id', '#!/bin/sh\necho "${FAKE_UID:-0}"\n');
    fake('uname', '#!/bin/sh\necho "${FAKE_ARCH:-x86_64}"\n');
    fake('curl', CURL);
    if (o.systemctl ?? true)
      fake(
        'systemctl',
        '#!/bin/sh\n{ echo "--- systemctl"; for a in "$@"; do printf \'<%s>\\n\' "$a"; done; } >> "$LOG"\n',
      );
    const payload = path.join(dir, 'payload');
    fs.writeFileSync(payload, o.payload ?? AGENT);
    const log = path.join(dir, 'log');
    fs.writeFileSync(log, '');
    const prefix = path.join(dir, 'prefix');
    const r = spawnSync('/bin/sh', ['-s', '--', '--prefix', prefix, ...args], {
      input: o.script ?? script,
      encoding: 'utf8',
      cwd: dir,
      env: { PATH: bin, LOG: log, FAKE_PAYLOAD: payload, ...o.env },
    });
    return {
      code: r.status,
      out: `${r.stdout}${r.stderr}`,
      log: fs.readFileSync(log, 'utf8'),
      prefix,
      dir,
      installed: fs.existsSync(prefix) ? fs.readdirSync(prefix) : [],
    };
  };
  const argv = (...a: string[]) => a.map((x) => `<${x}>\n`).join('');
  const TLS = [
    '--control-plane',
    'https://cp.example.org:8443',
    '--token',
    'tok',
    '--cp-fingerprint',
    'f'.repeat(64),
    '--tls-pin',
    'sha256//pin=',
  ];

  it('downloads with the pin, installs 0755, enrolls with the pins, writes the unit and starts it', () => {
    const r = run([
      ...TLS,
      '--root-sha256',
      'e'.repeat(64),
      '--state-dir',
      '/s',
      '--stacks-root',
      '/r',
      '--unit-dir',
      '/u',
    ]);
    expect(r.code, r.out).toBe(0);
    expect(r.installed).toEqual(['gnm-agent']);
    const exe = path.join(r.prefix, 'gnm-agent');
    expect(fs.statSync(exe).mode & 0o777).toBe(0o755);
    expect(fs.readFileSync(exe, 'utf8')).toBe(AGENT);
    expect(r.out).toContain(`installed ${exe} (sha256 ${genuineSha})`);
    // The download goes to a temp file beside the target (then renamed): its random name is masked.
    const tmpName = new RegExp(`<${r.prefix}/\\.gnm-agent\\.[A-Za-z0-9]{6}>`);
    expect(r.log.replace(tmpName, '<TEMP>')).toBe(
      `--- curl\n${argv('-fsSL', '--proto', '=https', '--pinnedpubkey', 'sha256//pin=', '-k', '-o', 'TEMP', 'https://cp.example.org:8443/agent/v1/gnm-agent-linux-x64')}` +
        `--- gnm-agent\n${argv('status', '--state-dir', '/s', '--json')}` +
        `--- gnm-agent\n${argv('enroll', '--state-dir', '/s', '--control-plane', 'https://cp.example.org:8443', '--token', 'tok', '--cp-fingerprint', 'f'.repeat(64), '--tls-pin', 'sha256//pin=', '--root-sha256', 'e'.repeat(64))}` +
        `--- gnm-agent\n${argv('install-unit', '--exec', exe, '--state-dir', '/s', '--stacks-root', '/r', '--unit-dir', '/u')}` +
        `--- systemctl\n${argv('daemon-reload')}` +
        `--- systemctl\n${argv('enable', '--now', 'gnm-agent.service')}`,
    );
  });

  it('--dev-plain-http downloads without a pin and enrolls without one; --foreground runs the agent', () => {
    const plainScript = renderInstallScript({
      publicUrl: 'http://cp:8787',
      sha256: genuineSha,
      version: '0.1.0',
    });
    const r = run(
      [
        '--control-plane',
        'http://cp:8787',
        '--token',
        'tok',
        '--cp-fingerprint',
        'f'.repeat(64),
        '--dev-plain-http',
        '--foreground',
        '--state-dir',
        '/s',
        '--stacks-root',
        '/r',
      ],
      { script: plainScript },
    );
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/WARNING: development mode, plain HTTP/);
    expect(r.log).not.toContain('pinnedpubkey');
    expect(r.log).not.toContain('<-k>');
    expect(r.log).toContain(
      argv(
        'enroll',
        '--state-dir',
        '/s',
        '--control-plane',
        'http://cp:8787',
        '--token',
        'tok',
        '--cp-fingerprint',
        'f'.repeat(64),
        '--dev-plain-http',
      ),
    );
    expect(r.log).not.toContain('--tls-pin');
    expect(r.log.endsWith(`--- gnm-agent\n${argv('run', '--state-dir', '/s', '--stacks-root', '/r')}`)).toBe(
      true,
    );
    expect(r.log).not.toContain('systemctl');
  });

  it('refuses an http:// control plane or download without --dev-plain-http, downloading nothing', () => {
    const plainCp = run(['--control-plane', 'http://cp:8787', ...TLS.slice(2), '--foreground']);
    expect(plainCp.code).toBe(1);
    expect(plainCp.out).toMatch(/http:\/\/cp:8787 is plain http.*--dev-plain-http/is);
    expect(plainCp.log).toBe('');
    const plainScript = renderInstallScript({
      publicUrl: 'http://cp.example.org:8787',
      sha256: genuineSha,
      version: '0.1.0',
    });
    const plainDownload = run([...TLS, '--foreground'], { script: plainScript });
    expect(plainDownload.code).toBe(1);
    expect(plainDownload.out).toMatch(/plain http.*--dev-plain-http/is);
    expect(plainDownload.log).toBe('');
  });

  it('--dev-plain-http never downloads an https:// agent without the pin', () => {
    const r = run([...TLS.slice(0, 6), '--dev-plain-http', '--foreground']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/--tls-pin is required/);
    expect(r.log).toBe('');
  });

  it('keeps the identity of a host already enrolled', () => {
    const r = run([...TLS, '--foreground'], { env: { FAKE_ENROLLED: '0' } });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/already enrolled; its identity is kept/);
    expect(r.log).not.toContain('<enroll>');
    expect(r.log).toContain('<run>');
  });

  it('hands hostile values to the agent as they are and runs nothing in them', () => {
    const token = `it's $(touch pwned1) \`touch pwned2\` "x"\nline2; touch pwned3`;
    const r = run([
      '--control-plane',
      'https://cp',
      '--token',
      token,
      '--cp-fingerprint',
      'f'.repeat(64),
      '--tls-pin',
      "p'$(touch pwned4)",
      '--foreground',
    ]);
    expect(r.code, r.out).toBe(0);
    expect(r.log).toContain(argv('--token', token));
    expect(r.log).toContain(argv('--pinnedpubkey', "p'$(touch pwned4)"));
    expect(fs.readdirSync(r.dir).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });

  it('refuses an executable whose digest is not the published one, installing and running nothing', () => {
    const r = run([...TLS, '--foreground'], { payload: AGENT.replace('exit 0', 'exit 1') });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`the control plane published ${genuineSha}: nothing was installed`);
    expect(r.installed).toEqual([]);
    expect(r.log).not.toContain('--- gnm-agent');
  });

  it('stops when the download fails (a pin that does not match), installing nothing', () => {
    const r = run([...TLS, '--foreground'], { env: { FAKE_CURL_RC: '90' } });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/the download failed: .*the pin must match/);
    expect(r.installed).toEqual([]);
    expect(r.log).not.toContain('--- gnm-agent');
  });

  it('refuses to run without root, on another architecture, or without the values of the command', () => {
    const notRoot = run([...TLS], { env: { FAKE_UID: '1000' } });
    expect(notRoot.code).toBe(1);
    expect(notRoot.out).toMatch(/run as root/);
    expect(notRoot.log).toBe('');
    const arm = run([...TLS], { env: { FAKE_ARCH: 'aarch64' } });
    expect(arm.code).toBe(1);
    expect(arm.out).toMatch(/this host is aarch64; the agent is built for x86_64/);
    expect(arm.log).toBe('');
    const noPin = run(TLS.slice(0, 6));
    expect(noPin.code).toBe(1);
    expect(noPin.out).toMatch(/--tls-pin is required/);
    const noToken = run(['--control-plane', 'https://cp', '--token']);
    expect(noToken.code).toBe(2);
    expect(noToken.out).toMatch(/--token needs a value/);
    const unknown = run([...TLS, '--evil']);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toMatch(/unknown option --evil/);
  });

  it('without systemd, installs and enrolls, then says how to run the agent', () => {
    const r = run([...TLS, '--state-dir', '/s', '--stacks-root', '/r'], { systemctl: false });
    expect(r.code).toBe(1);
    expect(r.installed).toEqual(['gnm-agent']);
    expect(r.log).toContain('<enroll>');
    expect(r.log).not.toContain('<install-unit>');
    expect(r.out).toContain(`systemd is not available on this host`);
    expect(r.out).toContain(`'${r.prefix}/gnm-agent run --state-dir /s --stacks-root /r'`);
    expect(r.out).toContain('--foreground');
  });
});
