import { describe, expect, it } from 'vitest';
import { printableName, printableNameProblem } from './printable-name.js';

describe('the printable-name rule', () => {
  const name = printableName(16);
  it('takes names in any script, with inner spaces and punctuation', () => {
    for (const ok of ['gpu-1', 'GPU Zürich 2', '東京 ノード', 'a.b_c (d)', 'x'])
      expect({ ok, r: name.safeParse(ok).success }).toEqual({ ok, r: true });
  });
  it('refuses controls, format characters, separators, edge spaces, empty and long names', () => {
    const bad = [
      '',
      'a'.repeat(17),
      'a\u0000b',
      'a\u001bb',
      'a\u007fb',
      'a\u0085b',
      'a\u202Eb',
      'a\u2066b',
      'a\u200Bb',
      'a\u200Db',
      'a\u00ADb',
      '\uFEFFa',
      'a\u2028b',
      'a\u2029b',
      'a\uD800b',
      ' a',
      'a ',
      'a\u00A0',
      '\u3000a',
    ];
    for (const b of bad) {
      expect({ b, r: name.safeParse(b).success }).toEqual({ b, r: false });
      expect(printableNameProblem(b, 16)).toBeDefined();
    }
    expect(name.safeParse('a\u202Eb').error?.issues[0]?.message).toMatch(/bidi overrides/);
  });
});
