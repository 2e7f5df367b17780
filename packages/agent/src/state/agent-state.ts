import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { rawPublicKey, type Identity } from '@gnm/protocol';
import { writeFileAtomic } from './files.js';

/**
 * What the agent keeps on the host, in its state folder (default /var/lib/gnm-agent, 0700): the
 * enrollment result with the three pins from the install command, and its Ed25519 identity (0600).
 * Nothing here is ever sent to the control plane except the public key.
 */
export const AgentConfig = z.strictObject({
  controlPlane: z.string().url(),
  cpFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  /** null only for a control plane in its development plain-HTTP mode. */
  tlsPin: z
    .string()
    .regex(/^sha256\/\/[A-Za-z0-9+/]{43}=$/)
    .nullable(),
  rootSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  /** Set at enrollment by the operator's development flag: plain http/ws is allowed only with it. */
  devPlainHttp: z.boolean().optional(),
  agentId: z.string(),
  hostId: z.string(),
  hostName: z.string(),
  enrolledAt: z.string(),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

export class AgentStateError extends Error {
  override name = 'AgentStateError';
}

export class AgentState {
  constructor(readonly dir: string) {}

  get configFile(): string {
    return path.join(this.dir, 'agent.json');
  }
  get identityFile(): string {
    return path.join(this.dir, 'identity.key');
  }
  get journalDir(): string {
    return path.join(this.dir, 'journal');
  }

  isEnrolled(): boolean {
    return fs.existsSync(this.configFile);
  }

  loadConfig(): AgentConfig {
    let text: string;
    try {
      text = fs.readFileSync(this.configFile, 'utf8');
    } catch {
      throw new AgentStateError(
        `this host is not enrolled (${this.configFile} is missing): run the install command from the control plane's host page`,
      );
    }
    const r = AgentConfig.safeParse(JSON.parse(text));
    if (!r.success)
      throw new AgentStateError(
        `${this.configFile} is damaged (${r.error.issues[0]?.message ?? 'invalid'}): re-run the install command`,
      );
    return r.data;
  }

  saveConfig(c: AgentConfig): void {
    writeFileAtomic(this.configFile, `${JSON.stringify(c, null, 2)}\n`, 0o600);
  }

  /** The identity, made on first use and never replaced (replacing it means enrolling again). */
  identity(): Identity {
    if (fs.existsSync(this.identityFile)) {
      const privateKey = crypto.createPrivateKey(fs.readFileSync(this.identityFile));
      if ((fs.statSync(this.identityFile).mode & 0o077) !== 0)
        throw new AgentStateError(`${this.identityFile} is readable by others: chmod 600 it`);
      return { privateKey, publicKey: rawPublicKey(crypto.createPublicKey(privateKey)) };
    }
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(this.identityFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), 0o600);
    return { privateKey, publicKey: rawPublicKey(crypto.createPublicKey(privateKey)) };
  }
}
