import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
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
