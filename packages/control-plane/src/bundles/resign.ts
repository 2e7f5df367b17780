import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_EXPIRY_DAYS, Repository, type SigningKey } from '@gnm/bundle';

export interface Lifetimes {
  /** Days. */
  snapshot: number;
  timestamp: number;
}

export const ONLINE_LIFETIMES: Lifetimes = {
  snapshot: DEFAULT_EXPIRY_DAYS.snapshot,
  timestamp: DEFAULT_EXPIRY_DAYS.timestamp,
};

export interface SignedOnline {
  snapshot: { version: number; data: Buffer };
  timestamp: { version: number; data: Buffer };
}

/**
 * New snapshot and timestamp over the given targets metadata with the online keys, made by packages/bundle's
 * `Repository.publish` in a throw-away folder. Only snapshot and timestamp are written: root and targets
 * are never touched (the targets bytes are copied in, and only read). Versions continue from the ones
 * already served, so they never go down.
 */
export function signSnapshotAndTimestamp(o: {
  targets: { version: number; data: Buffer };
  /** The highest snapshot and timestamp versions served so far (0 if none). */
  lastSnapshotVersion: number;
  lastTimestampVersion: number;
  snapshotKeys: SigningKey[];
  timestampKeys: SigningKey[];
  /** The clock (ms); expiry dates are computed from it. */
  now: number;
  lifetimes?: Lifetimes;
}): SignedOnline {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-tuf-sign-'));
  try {
    const md = path.join(dir, 'metadata');
    fs.mkdirSync(md, { mode: 0o700 });
    fs.writeFileSync(path.join(md, `${o.targets.version}.targets.json`), o.targets.data);
    // Repository.publish numbers the new snapshot after the highest `<v>.snapshot.json` it finds and the
    // new timestamp after timestamp.json's version: placeholders carry the versions already served.
    if (o.lastSnapshotVersion > 0)
      fs.writeFileSync(path.join(md, `${o.lastSnapshotVersion}.snapshot.json`), '{}');
    if (o.lastTimestampVersion > 0)
      fs.writeFileSync(
        path.join(md, 'timestamp.json'),
        JSON.stringify({
          signed: {
            _type: 'timestamp',
            spec_version: '1.0.31',
            version: o.lastTimestampVersion,
            expires: '1970-01-01T00:00:00Z',
            meta: { 'snapshot.json': { version: Math.max(1, o.lastSnapshotVersion) } },
          },
          signatures: [],
        }),
      );
    // Repository.publish dates expiry from the wall clock: shift the lifetimes by the injected clock's offset.
    const offsetDays = (o.now - Date.now()) / 86_400_000;
    const life = o.lifetimes ?? ONLINE_LIFETIMES;
    new Repository(dir).publish(o.snapshotKeys, o.timestampKeys, {
      ...DEFAULT_EXPIRY_DAYS,
      snapshot: life.snapshot + offsetDays,
      timestamp: life.timestamp + offsetDays,
    });
    const snapshotVersion = o.lastSnapshotVersion + 1;
    return {
      snapshot: {
        version: snapshotVersion,
        data: fs.readFileSync(path.join(md, `${snapshotVersion}.snapshot.json`)),
      },
      timestamp: {
        version: o.lastTimestampVersion + 1,
        data: fs.readFileSync(path.join(md, 'timestamp.json')),
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
