import type { Kysely, Transaction } from 'kysely';
import type { BundlesTable, Database, TufMetadataTable, TufOnlineKeysTable } from '../db/schema.js';

export type MetaRole = TufMetadataTable['role'];

export interface MetaRow {
  name: string;
  role: MetaRole;
  version: number;
  data: Buffer;
  expiresAt: string;
  createdAt: string;
}

export interface TargetRow {
  storedPath: string;
  targetPath: string;
  sha256: string;
  length: number;
  data: Buffer;
}

/** What one import or re-signing writes, all in one transaction. */
export interface Changes {
  /** Roots and targets: inserted unless present; snapshots: inserted (a conflict aborts); `timestamp.json`: replaced. */
  metadata: MetaRow[];
  targets: TargetRow[];
  bundles: BundlesTable[];
  /**
   * Snapshot versions from this one up are removed first: after the release authority rotated the
   * snapshot key, the ones signed with the old key are void (agents drop them too) and the timestamp
   * now names the authority's snapshot, which replaces a stored one of the same version.
   */
  dropSnapshotsFrom?: number;
  /** Replaces every stored online key when set. */
  onlineKeys?: TufOnlineKeysTable[];
}

const toBuffer = (d: Buffer | Uint8Array): Buffer => (Buffer.isBuffer(d) ? d : Buffer.from(d));

function metaRow(r: {
  name: string;
  role: MetaRole;
  version: number | string;
  data: Buffer;
  expires_at: string;
  created_at: string;
}): MetaRow {
  return {
    name: r.name,
    role: r.role,
    version: Number(r.version),
    data: toBuffer(r.data),
    expiresAt: r.expires_at,
    createdAt: r.created_at,
  };
}

/** The bundle repository's tables (TUF metadata, target files, bundles, sealed online keys), on both dialects. */
export class BundleStore {
  constructor(private readonly db: Kysely<Database>) {}

  async metadata(name: string): Promise<MetaRow | undefined> {
    const r = await this.db
      .selectFrom('tuf_metadata')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return r && metaRow(r);
  }

  /** The highest version of a role (root, targets, snapshot; timestamp has one row). */
  async latest(role: MetaRole): Promise<MetaRow | undefined> {
    const r = await this.db
      .selectFrom('tuf_metadata')
      .selectAll()
      .where('role', '=', role)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r && metaRow(r);
  }

  async target(storedPath: string): Promise<Buffer | undefined> {
    const r = await this.db
      .selectFrom('tuf_target_files')
      .select('data')
      .where('stored_path', '=', storedPath)
      .executeTakeFirst();
    return r && toBuffer(r.data);
  }

  async bundles(): Promise<BundlesTable[]> {
    const rows = await this.db
      .selectFrom('bundles')
      .selectAll()
      .orderBy('name')
      .orderBy('imported_at', 'desc')
      .orderBy('version', 'desc')
      .execute();
    return rows.map((r) => ({
      ...r,
      file_count: Number(r.file_count),
      targets_version: Number(r.targets_version),
    }));
  }

  async onlineKeys(): Promise<TufOnlineKeysTable[]> {
    return this.db.selectFrom('tuf_online_keys').selectAll().orderBy('key_id').execute();
  }

  async commit(c: Changes): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (c.dropSnapshotsFrom !== undefined)
        await trx
          .deleteFrom('tuf_metadata')
          .where('role', '=', 'snapshot')
          .where('version', '>=', c.dropSnapshotsFrom)
          .execute();
      for (const m of c.metadata) await insertMeta(trx, m);
      for (const t of c.targets) {
        await trx
          .insertInto('tuf_target_files')
          .values({
            stored_path: t.storedPath,
            target_path: t.targetPath,
            sha256: t.sha256,
            length: t.length,
            data: t.data,
            created_at: new Date().toISOString(),
          })
          .onConflict((oc) => oc.column('stored_path').doNothing())
          .execute();
      }
      for (const b of c.bundles) {
        await trx
          .insertInto('bundles')
          .values(b)
          .onConflict((oc) => oc.columns(['name', 'version']).doNothing())
          .execute();
      }
      if (c.onlineKeys) {
        await trx.deleteFrom('tuf_online_keys').execute();
        if (c.onlineKeys.length) await trx.insertInto('tuf_online_keys').values(c.onlineKeys).execute();
      }
    });
  }
}

async function insertMeta(trx: Transaction<Database>, m: MetaRow): Promise<void> {
  const values = {
    name: m.name,
    role: m.role,
    version: m.version,
    data: m.data,
    expires_at: m.expiresAt,
    created_at: m.createdAt,
  };
  const q = trx.insertInto('tuf_metadata').values(values);
  if (m.name === 'timestamp.json') {
    await q
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({
          version: m.version,
          data: m.data,
          expires_at: m.expiresAt,
          created_at: m.createdAt,
        }),
      )
      .execute();
  } else if (m.role === 'snapshot') {
    // No "on conflict": two writers that signed the same snapshot version (two control-plane processes
    // re-signing at once) must not both succeed, or the timestamp could name the other's snapshot.
    await q.execute();
  } else {
    await q.onConflict((oc) => oc.column('name').doNothing()).execute();
  }
}
