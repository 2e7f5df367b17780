import path from 'node:path';
import type { AgentFrame, OpRequest, OpResult } from '@gnm/protocol';
import { AgentState, type AgentConfig } from './state/agent-state.js';
import { writeFileAtomic } from './state/files.js';
import { Journal } from './journal/journal.js';
import { Registry } from './operations/registry.js';
import { builtinOperations } from './operations/builtin.js';
import { Link, AGENT_VERSION } from './connection/link.js';
import { probeHost } from './probes/host-probe.js';

export interface AgentOptions {
  stateDir: string;
  stacksRoot: string;
  docker?: string;
  nvidiaSmi?: string;
  log?: (level: 'info' | 'warn' | 'error', msg: string, o?: object) => void;
}

/**
 * The daemon: the link to the control plane, the journal, the operation registry. Operations are
 * journaled before they start and their result is fsync'ed before it is sent (DESIGN invariant 8); a
 * redelivery returns the stored result; one interrupted by a crash is reconciled at start. While
 * disconnected nothing on the host is touched.
 */
export class Agent {
  readonly state: AgentState;
  readonly config: AgentConfig;
  readonly journal: Journal;
  readonly registry: Registry;
  private link: Link | undefined;
  private readonly inFlight = new Map<string, Promise<OpResult>>();
  private readonly log: NonNullable<AgentOptions['log']>;

  constructor(private readonly o: AgentOptions) {
    this.state = new AgentState(o.stateDir);
    this.config = this.state.loadConfig();
    this.journal = new Journal(this.state.journalDir);
    this.registry = new Registry(
      builtinOperations({ stacksRoot: o.stacksRoot, docker: o.docker, nvidiaSmi: o.nvidiaSmi }),
    );
    this.log =
      o.log ??
      ((level, msg, extra) =>
        console[level === 'info' ? 'log' : level](
          JSON.stringify({ time: new Date().toISOString(), level, msg, ...(extra ?? {}) }),
        ));
  }

  /** Operations a crash interrupted: read-only ones are answered as interrupted (the caller may retry). */
  reconcile(): void {
    for (const entry of this.journal.interrupted()) {
      this.journal.finish(entry, {
        type: 'op.result',
        opId: entry.opId,
        ok: false,
        error: {
          code: 'interrupted',
          message: `the agent restarted while ${entry.op} was running; it did not complete: run it again`,
        },
      });
      this.log('warn', `operation ${entry.opId} (${entry.op}) was interrupted by a restart`);
    }
  }

  async run(): Promise<void> {
    this.reconcile();
    this.journal.prune();
    const identity = this.state.identity();
    this.link = new Link(this.config, identity, {
      report: () => this.report(),
      operation: (req, send) => this.operation(req, send),
      log: (level, msg, extra) => {
        this.log(level, msg, extra);
        this.writeStatus();
      },
    });
    this.log(
      'info',
      `gnm-agent ${AGENT_VERSION} for host ${this.config.hostName}, control plane ${this.config.controlPlane}`,
    );
    await this.link.run();
    if (this.link.fatal) throw new Error(this.link.fatal);
  }

  stop(): void {
    this.link?.stop();
  }

  /** What `gnm-agent status` reads: the daemon has no socket to ask (it never listens). */
  private writeStatus(): void {
    writeFileAtomic(
      path.join(this.o.stateDir, 'status.json'),
      JSON.stringify({
        pid: process.pid,
        version: AGENT_VERSION,
        connected: this.link?.connected ?? false,
        fatal: this.link?.fatal ?? null,
        at: new Date().toISOString(),
      }),
      0o644,
    );
  }

  private async report(): Promise<Record<string, unknown>> {
    this.writeStatus();
    const probe = await probeHost({
      stacksRoot: this.o.stacksRoot,
      docker: this.o.docker,
      nvidiaSmi: this.o.nvidiaSmi,
    });
    return { agentVersion: AGENT_VERSION, probe };
  }

  async operation(req: OpRequest, send: (f: AgentFrame) => void): Promise<OpResult> {
    const known = this.journal.get(req.opId);
    if (known?.state === 'done' && known.result) return known.result;
    const running = this.inFlight.get(req.opId);
    if (running) return running;
    const entry = this.journal.start(req.opId, req.op);
    let seq = 0;
    const controller = new AbortController();
    const deadline = new Date(req.deadline);
    const timer = setTimeout(() => controller.abort(), Math.max(0, deadline.getTime() - Date.now()));
    const work = this.registry
      .execute(req, {
        emit: (e) => send({ type: 'op.event', opId: req.opId, seq: seq++, ...e }),
        signal: controller.signal,
        deadline,
      })
      .then((result) => {
        this.journal.finish(entry, result);
        return result;
      })
      .finally(() => {
        clearTimeout(timer);
        this.inFlight.delete(req.opId);
      });
    this.inFlight.set(req.opId, work);
    return work;
  }
}
