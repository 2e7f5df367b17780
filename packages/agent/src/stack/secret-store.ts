import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../state/files.js';

/**
 * The host's secret store (DESIGN invariant 5): `<state dir>/secrets/<NAME>`, one 0600 file per
 * secret in a 0700 folder. Secrets are made here and never leave the host; the control plane never
 * sends one (the renderer refuses a secret among its values).
 */
const NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

/** Secrets the agent generates on first use when the bundle requires them. */
const GENERATED = new Set(['KEYRING_PASSWORD']);

export class SecretStore {
  constructor(readonly dir: string) {}

  /** Where a secret lives on the host (told to the operator; never its content). */
  path(name: string): string {
    return this.file(name);
  }

  private file(name: string): string {
    if (!NAME.test(name)) throw new Error(`invalid secret name ${JSON.stringify(name)}`);
    return path.join(this.dir, name);
  }

  get(name: string): string | undefined {
    try {
      return fs.readFileSync(this.file(name), 'utf8').replace(/\n$/, '');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Every stored value: what the output scrubber must never let through. */
  values(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return []; // no store yet
    }
    return names.filter((n) => NAME.test(n)).flatMap((n) => this.get(n) ?? []);
  }

  /** Never overwrites: an existing secret (a keyring password in use) is kept as it is. */
  put(name: string, value: string): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (this.get(name) !== undefined) return;
    writeFileAtomic(this.file(name), `${value}\n`, 0o600);
  }

  /**
   * The values of the bundle's secret parameters this host has: the stored ones, plus a fresh random
   * value for each generated secret the bundle requires and the store lacks.
   */
  forBundle(params: Record<string, { kind: string; required?: boolean }>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, spec] of Object.entries(params)) {
      if (spec.kind !== 'secret') continue;
      if (this.get(name) === undefined && spec.required && GENERATED.has(name))
        this.put(name, crypto.randomBytes(24).toString('base64url'));
      const v = this.get(name);
      if (v !== undefined) out[name] = v;
    }
    return out;
  }
}
