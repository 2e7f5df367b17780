import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The agent executable the control plane serves to installers: a prebuilt file (GNM_AGENT_BINARY, what
 * a release ships), or — when running from the source tree — the single executable built once on first
 * request into `<data dir>/agent/` (about 4 s) and reused for the life of the process.
 */
export interface AgentArtifact {
  file: string;
  sha256: string;
  bytes: number;
}

export class AgentBinary {
  private pending: Promise<AgentArtifact> | undefined;

  constructor(private readonly o: { binary?: string; dataDir: string }) {}

  get(): Promise<AgentArtifact> {
    this.pending ??= this.load().catch((e: unknown) => {
      this.pending = undefined; // a failed build is retried by the next request
      throw e;
    });
    return this.pending;
  }

  private async load(): Promise<AgentArtifact> {
    if (this.o.binary) return digest(this.o.binary);
    // The build tooling (esbuild, postject) is a development dependency: loaded only here.
    const { buildExecutable } = await import('@gnm/agent/build');
    const built = await buildExecutable(path.join(this.o.dataDir, 'agent'));
    return { file: built.file, sha256: built.sha256, bytes: built.bytes };
  }
}

function digest(file: string): AgentArtifact {
  const data = fs.readFileSync(file);
  return { file, sha256: crypto.createHash('sha256').update(data).digest('hex'), bytes: data.length };
}
