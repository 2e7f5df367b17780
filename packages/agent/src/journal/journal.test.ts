import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from './journal.js';

describe('the operation journal', () => {
  const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-journal-'));
  it('keeps each operation’s result across restarts, and finds the ones a crash interrupted', () => {
    const d = dir();
    const j = new Journal(d);
    const a = j.start('op_aaaaaaaa', 'host.probe');
    j.start('op_bbbbbbbb', 'stack.status');
    j.finish(a, { type: 'op.result', opId: 'op_aaaaaaaa', ok: true, result: { x: 1 } });
    const after = new Journal(d); // a new process
    expect(after.get('op_aaaaaaaa')).toMatchObject({ state: 'done', result: { ok: true, result: { x: 1 } } });
    expect(after.interrupted().map((e) => e.opId)).toEqual(['op_bbbbbbbb']);
    expect(after.get('op_cccccccc')).toBeUndefined();
    expect(fs.statSync(path.join(d, 'op_aaaaaaaa.json')).mode & 0o777).toBe(0o600);
  });
  it('refuses an operation id that could name a path', () => {
    const j = new Journal(dir());
    expect(() => j.start('../../etc/passwd', 'host.probe')).toThrow(/invalid operation id/);
  });
  it('prunes finished entries older than the redelivery window, never unfinished ones', () => {
    const j = new Journal(dir());
    const old = j.start('op_oldoldol', 'host.probe');
    j.finish(old, { type: 'op.result', opId: 'op_oldoldol', ok: true, result: null });
    j.start('op_running', 'host.probe');
    expect(j.prune(30 * 86400_000, Date.now() + 31 * 86400_000)).toBe(1);
    expect(j.get('op_oldoldol')).toBeUndefined();
    expect(j.get('op_running')?.state).toBe('started');
  });
});
