import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The agent executable the control plane serves to installers: a prebuilt file (GNM_AGENT_BINARY, what
 * a release ships), or — when running from the source tree — the single executable built into
 * `<data dir>/agent/` (about 4 s) when the control plane starts. A request never starts a build: the
 * download routes are public, and a build costs seconds of CPU and writes to the data folder.
 */
export interface AgentArtifact {
  file: string;
  sha256: string;
  bytes: number;
}

/** Why the executable cannot be served now; the message says what to do. */
export class AgentBinaryUnavailable extends Error {
  override name = 'AgentBinaryUnavailable';
  constructor(
    readonly reason: 'not-built' | 'building' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

const HOW =
  'set GNM_AGENT_BINARY to a gnm-agent built with `npm run agent:build`, or start the control plane from the source tree (it builds one at start)';

type State =
  | { kind: 'idle' }
  | { kind: 'building' }
  | { kind: 'ready'; artifact: AgentArtifact }
  | { kind: 'failed'; message: string };

export class AgentBinary {
  private state: State = { kind: 'idle' };
  private prebuilt: Promise<AgentArtifact> | undefined;

  constructor(private readonly o: { binary?: string | undefined; dataDir: string }) {}

  /** Where the executable stands: for the start-up log and the tests. */
  get status(): State['kind'] {
    return this.o.binary ? 'ready' : this.state.kind;
  }

  /**
   * Starts building the executable from the source tree in the background (control-plane start);
   * does nothing with GNM_AGENT_BINARY set or once a build was started. Resolves when it ends.
   */
  startBuild(): Promise<void> {
    if (this.o.binary || this.state.kind !== 'idle') return Promise.resolve();
    this.state = { kind: 'building' };
    return this.build().then(
      (artifact) => void (this.state = { kind: 'ready', artifact }),
      (e: unknown) => void (this.state = { kind: 'failed', message: (e as Error).message }),
    );
  }

  /** The executable to serve; never starts a build. */
  async get(): Promise<AgentArtifact> {
    if (this.o.binary) {
      const file = this.o.binary;
      this.prebuilt ??= Promise.resolve()
        .then(() => digest(file))
        .catch((e: unknown) => {
          this.prebuilt = undefined; // the file may be put in place later
          throw new AgentBinaryUnavailable(
            'failed',
            `GNM_AGENT_BINARY cannot be read (${(e as Error).message})`,
          );
        });
      return this.prebuilt;
    }
    switch (this.state.kind) {
      case 'ready':
        return this.state.artifact;
      case 'building':
        throw new AgentBinaryUnavailable(
          'building',
          'the agent executable is being built (it takes a few seconds after the control plane starts): try again shortly',
        );
      case 'failed':
        throw new AgentBinaryUnavailable(
          'failed',
          `building the agent executable failed (${this.state.message}): ${HOW}`,
        );
      case 'idle':
        throw new AgentBinaryUnavailable('not-built', `this control plane has no agent executable: ${HOW}`);
    }
  }

  private async build(): Promise<AgentArtifact> {
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
