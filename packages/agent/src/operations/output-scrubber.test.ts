import { describe, expect, it } from 'vitest';
import { REDACTED, WITHHELD, scrubText } from './output-scrubber.js';
import { streamCommand } from './run-command.js';

// Published BIP-39 test vectors, never real keys.
const P24 =
  'letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless';
const P12 = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const HEX = '7f'.repeat(32);

describe('the output scrubber', () => {
  it('removes known values, phrases anywhere in a line, and bare 32-byte hex keys', () => {
    expect(scrubText('Error: bad passphrase kr-pass-123456', ['kr-pass-123456'])).toBe(
      `Error: bad passphrase ${REDACTED}`,
    );
    expect(scrubText(`{"mnemonic":"${P24}","address":"gonka1x"}`)).toBe(
      `{"mnemonic":"${REDACTED}","address":"gonka1x"}`,
    );
    expect(scrubText(`1. ${P12.split(' ').join(', ')} — keep it safe`)).not.toContain('winner thank');
    expect(scrubText(`privkey=${HEX}`)).toBe(WITHHELD);
    expect(scrubText(`0x${HEX.toUpperCase()}`)).toBe(REDACTED);
  });

  it('finds a phrase wrapped over two lines', () => {
    const w = P24.split(' ');
    const out = scrubText(`${w.slice(0, 12).join(' ')}\n${w.slice(12).join(' ')}\nError: failed`);
    expect(out).not.toContain('advice cage');
    expect(out).toContain('Error: failed');
  });

  it('withholds an armored export and a key file', () => {
    const pem =
      '-----BEGIN TENDERMINT PRIVATE KEY-----\nkdf: bcrypt\n\nAAAABBBBCCCC\n-----END TENDERMINT PRIVATE KEY-----';
    expect(scrubText(`before\n${pem}\nafter`)).toBe(
      ['before', WITHHELD, WITHHELD, WITHHELD, WITHHELD, WITHHELD, 'after'].join('\n'),
    );
    expect(scrubText('{"priv_key": {"type": "x", "value": "c2VjcmV0"}}')).toBe(WITHHELD);
  });

  it('leaves public output alone: digests, hashes, addresses, compose progress', () => {
    const lines = [
      ` Container join-node-1  Started`,
      `Image sha256:${HEX} pulled`,
      `txhash: ${HEX.toUpperCase()}`,
      'Account Address: gonka1qyqszqgpqyqszqgpqyqszqgpqyqszqgp9h2qqa',
      'Validator Consensus Key: 3fE0OA8ZyQ0Ylf1u1Bk3zZQmLQxq9X9V6q2Xy0l3m2c=',
      'the model Qwen/Qwen2.5-7B-Instruct is loaded',
    ];
    for (const l of lines) expect(scrubText(l)).toBe(l);
  });

  it('is applied to every line a command streams and to its error text; stdin counts as a secret', async () => {
    const lines: string[] = [];
    const r = await streamCommand(
      'sh',
      ['-c', `read -r pw; echo "progress $pw"; echo '${P12}'; echo "fail $pw" >&2; exit 1`],
      { input: 'sekret-password-1\n', onLine: (l) => lines.push(l) },
    );
    expect(r.code).toBe(1);
    expect(lines.join('\n')).not.toMatch(/sekret-password-1|winner thank/);
    expect(r.stderr).toBe(`fail ${REDACTED}`);
    expect(r.diagnostic).toBe(`fail ${REDACTED}`);
    expect(r.stdout).toContain(P12); // the caller's own copy, to parse
  });
});
