import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Why a secret could not be sealed or opened; the message always says what to do. */
export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
  constructor(
    readonly code: 'bad-key' | 'key-file' | 'undecryptable' | 'bad-format',
    message: string,
  ) {
    super(message);
  }
}

const PREFIX = 'gnmsb1';
const KEY_FILE = 'secret.key';
const GENERATE_HINT = 'generate one with `openssl rand -base64 32`';

/** A short, non-secret fingerprint of the master key, stored with each secret so errors can tell keys apart. */
function fingerprint(key: Buffer): string {
  return crypto.createHash('sha256').update('gnm-secret-box-key-id\0').update(key).digest('hex').slice(0, 12);
}

function decodeKey(b64: string, where: string): Buffer {
  const trimmed = b64.trim();
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new SecretBoxError(
      'bad-key',
      `${where} must be the base64 encoding of exactly 32 random bytes (got ${key.length ? `${key.length} bytes` : 'something that is not base64'}): ${GENERATE_HINT}`,
    );
  }
  return key;
}

export interface SecretBoxOptions {
  /** GNM_SECRET_KEY: base64 of 32 bytes. Wins over the key file. */
  envKey?: string | undefined;
  /** The data folder: `<dataDir>/secret.key` is created (0600) at first use when no envKey is given. */
  dataDir: string;
}

/**
 * Encryption at rest for small secrets (AES-256-GCM, node:crypto). The master key comes from
 * GNM_SECRET_KEY, else from `<dataDir>/secret.key` (created 0600 at first use). Each sealed value
 * carries a random 96-bit IV, the GCM tag and the key's fingerprint, and is bound to a context string
 * (additional authenticated data), so a value copied to another row does not open.
 *
 * Sealed format: `gnmsb1.<key fingerprint>.<iv>.<tag>.<ciphertext>` (base64url parts).
 */
export class SecretBox {
  private key: Buffer | undefined;

  constructor(private readonly o: SecretBoxOptions) {
    // A malformed GNM_SECRET_KEY is a configuration error: report it at start, not at first use.
    if (o.envKey !== undefined && o.envKey !== '') this.key = decodeKey(o.envKey, 'GNM_SECRET_KEY');
  }

  /** Where the master key comes from, for messages. */
  get keySource(): string {
    return this.o.envKey ? 'GNM_SECRET_KEY' : path.join(this.o.dataDir, KEY_FILE);
  }

  private masterKey(): Buffer {
    if (this.key) return this.key;
    const file = path.join(this.o.dataDir, KEY_FILE);
    if (!fs.existsSync(file)) {
      fs.mkdirSync(this.o.dataDir, { recursive: true, mode: 0o700 });
      try {
        // 'wx': two processes starting at once cannot both create (and overwrite) the key.
        fs.writeFileSync(file, `${crypto.randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    const mode = fs.statSync(file).mode & 0o777;
    if (mode & 0o077) {
      throw new SecretBoxError(
        'key-file',
        `${file} is readable by other users (mode ${mode.toString(8)}): run \`chmod 600 ${file}\``,
      );
    }
    this.key = decodeKey(fs.readFileSync(file, 'utf8'), file);
    return this.key;
  }

  /** Encrypts `plaintext`, bound to `context` (e.g. `tuf-online-key:<keyid>`). */
  seal(plaintext: string | Buffer, context: string): string {
    const key = this.masterKey();
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [PREFIX, fingerprint(key), ...[iv, tag, ct].map((b) => b.toString('base64url'))].join('.');
  }

  /** Decrypts a value from `seal` with the same context; a wrong key or a changed value is an error. */
  open(sealed: string, context: string): Buffer {
    const parts = sealed.split('.');
    const [prefix, fp, iv, tag, ct] = parts;
    if (parts.length !== 5 || prefix !== PREFIX || !fp || !iv || !tag || ct === undefined) {
      throw new SecretBoxError(
        'bad-format',
        `a stored secret (${context}) is not in the expected format: the database was changed by hand; store the secret again`,
      );
    }
    const key = this.masterKey();
    const current = fingerprint(key);
    const mismatch = `a stored secret (${context}) cannot be decrypted with the current master key (${this.keySource}, key id ${current})`;
    if (fp !== current) {
      throw new SecretBoxError(
        'undecryptable',
        `${mismatch}: it was encrypted with key id ${fp}. Restore the key it was encrypted with (GNM_SECRET_KEY or ${KEY_FILE} in the data folder), or store the secret again`,
      );
    }
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
        authTagLength: 16,
      });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
    } catch {
      throw new SecretBoxError(
        'undecryptable',
        `${mismatch}: the stored value was altered or belongs to another record. Store the secret again`,
      );
    }
  }
}
