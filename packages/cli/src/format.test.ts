import { describe, expect, it } from 'vitest';
import { ago, fields, progressLine, table } from './format.js';

describe('human output', () => {
  it('aligns table columns and leaves no trailing spaces', () => {
    expect(
      table(
        ['ID', 'NAME', 'X'],
        [
          ['a', 'longer name', ''],
          ['bbbb', 'n', 'last'],
        ],
      ),
    ).toBe('ID    NAME         X\na     longer name\nbbbb  n            last');
  });

  it('says how long ago, or how soon', () => {
    const now = Date.parse('2025-01-02T00:00:00Z');
    expect(ago(null, now)).toBe('-');
    expect(ago('2025-01-01T23:59:50Z', now)).toBe('10s ago');
    expect(ago('2025-01-01T23:55:00Z', now)).toBe('5m ago');
    expect(ago('2025-01-01T21:00:00Z', now)).toBe('3h ago');
    expect(ago('2024-12-29T00:00:00Z', now)).toBe('4d ago');
    expect(ago('2025-01-02T01:00:00Z', now)).toBe('in 1h');
    expect(ago('2025-01-02T00:00:00Z', now)).toBe('just now');
  });

  it('aligns fields and writes progress as one line', () => {
    expect(
      fields([
        ['a', '1'],
        ['long key', '2'],
      ]),
    ).toBe('a:         1\nlong key:  2');
    expect(progressLine({ progress: { phase: 'pulling', done: 1, total: 3 }, log: null })).toBe(
      'pulling 1/3',
    );
    expect(progressLine({ progress: { phase: 'download', done: 5, unit: 'MB' }, log: 'x' })).toBe(
      'download 5 MB — x',
    );
    expect(progressLine({ progress: null, log: 'just a log' })).toBe('just a log');
  });
});
