import path from 'node:path';
import type { AgentFrame, OpRequest, OpResult } from '@gnm/protocol';
import { AgentState, type AgentConfig } from './state/agent-state.js';
import { writeFileAtomic } from './state/files.js';
import { Journal, type JournalEntry } from './journal/journal.js';
import type { StackDeps } from './stack/stack-context.js';
import { Registry } from './operations/registry.js';
import { hostScrubber } from './operations/output-scrubber.js';
import { builtinOperations } from './operations/builtin.js';
import { Link, AGENT_VERSION } from './connection/link.js';
import { probeHost, type HostProbe } from './probes/host-probe.js';
import { DockerApi } from './compose/docker-api.js';

/** How often a status report carries a fresh host probe (in between, the last one). */
const PROBE_EVERY_MS = 5 * 60_000;

const DEBUG = process.env.GNM_AGENT_DEBUG === '1';

/** Operations that must not overlap, by what they change. Reads run alongside anything. */
const EXCLUSIVE: Partial<Record<string, 'stack' | 'firewall'>> = {
  'stack.apply': 'stack',
  'stack.rollback': 'stack',
  'stack.stop': 'stack',
  'node.deploy': 'stack',
  'firewall.apply': 'firewall',
  'firewall.remove': 'firewall',
};

export interface AgentOptions {
  stateDir: string;
  stacksRoot: string;
  docker?: string;
  nvidiaSmi?: string;
  /** GNM_AGENT_DEV_PLAIN_HTTP for `run`: allows plain http like the flag kept at enrollment. */
  devPlainHttp?: boolean;
  /** Folders host paths (HF_HOME…) may lie under; absent: the defaults of @gnm/bundle. */
  hostPathRoots?: readonly string[];
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
  private readonly locks = new Map<string, Promise<void>>();
  private readonly log: NonNullable<AgentOptions['log']>;

  constructor(private readonly o: AgentOptions) {
    this.state = new AgentState(o.stateDir);
    const config = this.state.loadConfig();
    this.config = o.devPlainHttp ? { ...config, devPlainHttp: true } : config;
    this.journal = new Journal(this.state.journalDir);
    this.registry = new Registry(
      builtinOperations({
        stacksRoot: o.stacksRoot,
        stateDir: o.stateDir,
        docker: o.docker,
        nvidiaSmi: o.nvidiaSmi,
        stack: this.stackDeps(),
      }),
      { scrub: hostScrubber(path.join(o.stateDir, 'secrets')) },
    );
    this.log =
      o.log ??
      ((level, msg, extra) =>
        console[level === 'info' ? 'log' : level](
          JSON.stringify({ time: new Date().toISOString(), level, msg, ...(extra ?? {}) }),
        ));
  }

  private stackDeps(): StackDeps {
    return {
      stateDir: this.o.stateDir,
      stacksRoot: this.o.stacksRoot,
      docker: this.o.docker,
      controlPlane: this.config.controlPlane,
      tlsPin: this.config.tlsPin,
      rootSha256: this.config.rootSha256,
      devPlainHttp: this.config.devPlainHttp,
      hostPathRoots: this.o.hostPathRoots,
    };
  }

  /**
   * Operations a crash interrupted, before any new work: an interrupted stack.apply or stack.rollback
   * is finished — the stack is brought to the release `current` names, so containers and link agree —
   * and its result says whether the requested release is the one running; read-only ones are answered
   * as interrupted (the caller may retry). The stored result is what the control plane gets when it
   * redelivers the operation.
   */
  async reconcile(): Promise<void> {
    for (const entry of this.journal.interrupted()) {
      if (entry.op === 'stack.apply' || entry.op === 'stack.rollback' || entry.op === 'node.deploy') {
        this.journal.finish(entry, await this.recoverStack(entry));
        continue;
      }
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

  private async recoverStack(entry: JournalEntry): Promise<OpResult> {
    const fail = (code: string, message: string): OpResult => ({
      type: 'op.result',
      opId: entry.opId,
      ok: false,
      error: { code, message },
    });
    try {
      const { recoverStack } = await import('./stack/recover.js');
      const ctx = {
        emit: () => {},
        signal: new AbortController().signal,
        deadline: new Date(Date.now() + 15 * 60_000),
        opId: entry.opId,
      };
      const state = await recoverStack(ctx, this.stackDeps());
      const wanted =
        entry.op === 'stack.apply' ? (entry.params as { version?: string } | undefined)?.version : undefined;
      this.log(
        'warn',
        `operation ${entry.opId} (${entry.op}) was interrupted by a restart; the stack was brought to release ${state?.release ?? 'none'}`,
      );
      if (entry.op === 'node.deploy')
        return fail(
          'interrupted',
          `the agent restarted during node.deploy; the stack was brought to release ${state?.release ?? 'none'}: deploy again (it picks up where it stopped and keeps the warm key)`,
        );
      if (!state)
        return fail(
          'interrupted',
          `the agent restarted during ${entry.op} before any release was in place: run it again`,
        );
      if (entry.op === 'stack.apply' && state.release !== wanted)
        return fail(
          'interrupted',
          `the agent restarted during ${entry.op} before release ${wanted ?? '?'} was switched in; release ${state.release} is running unchanged: run the apply again`,
        );
      return { type: 'op.result', opId: entry.opId, ok: true, result: state };
    } catch (e) {
      return fail(
        'interrupted',
        `the agent restarted during ${entry.op} and could not bring the stack back to one release: ${(e as Error).message}`,
      );
    }
  }

  async run(): Promise<void> {
    await this.reconcile();
    this.journal.prune();
    // Rules do not survive a reboot: the kept firewall policy goes back in before anything else.
    const { reapplyKeptPolicy } = await import('./firewall/firewall.js');
    await reapplyKeptPolicy(this.o.stateDir, (level, msg) => this.log(level, msg));
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

  /**
   * A status report. The full host probe (docker, compose and nvidia-smi runs, /proc reads) is taken at
   * most every PROBE_EVERY_MS and sent from cache in between; the stack's containers come from the
   * engine socket at every report, which costs milliseconds. Keeps an idle agent near zero CPU.
   */
  private async report(): Promise<Record<string, unknown>> {
    this.writeStatus();
    if (!this.probe || Date.now() - this.probe.at > PROBE_EVERY_MS) {
      const probe = await probeHost({
        stacksRoot: this.o.stacksRoot,
        docker: this.o.docker,
        nvidiaSmi: this.o.nvidiaSmi,
      });
      this.probe = { at: Date.now(), probe };
    }
    const containers = await this.docker.projectContainers('join').catch(() => null);
    return { agentVersion: AGENT_VERSION, probe: this.probe.probe, containers };
  }
  private probe: { at: number; probe: HostProbe } | undefined;
  private readonly docker = new DockerApi();

  async operation(req: OpRequest, send: (f: AgentFrame) => void): Promise<OpResult> {
    const known = this.journal.get(req.opId);
    if (known?.state === 'done' && known.result) return known.result;
    const running = this.inFlight.get(req.opId);
    if (running) return running;
    const entry = this.journal.start(req.opId, req.op, req.params);
    let seq = 0;
    const controller = new AbortController();
    const deadline = new Date(req.deadline);
    const timer = setTimeout(() => controller.abort(), Math.max(0, deadline.getTime() - Date.now()));
    // Operations that change the same thing run one after the other, in arrival order: two deploys
    // (or a deploy and a rollback) interleaving their compose runs would leave no release whole.
    const lock = EXCLUSIVE[req.op];
    const before = lock ? this.locks.get(lock) : undefined;
    if (before) {
      send({
        type: 'op.event',
        opId: req.opId,
        seq: seq++,
        progress: { phase: 'queued' },
        log: `waiting for the ${lock} operation already running on this host to finish`,
      });
    }
    const work = (before ?? Promise.resolve())
      .then(() =>
        this.registry.execute(req, {
          emit: (e) => {
            // GNM_AGENT_DEBUG=1 logs every event of every operation too (the secret-leak test reads it).
            if (DEBUG) this.log('info', 'op.event', { opId: req.opId, op: req.op, ...e });
            send({ type: 'op.event', opId: req.opId, seq: seq++, ...e });
          },
          signal: controller.signal,
          deadline,
          opId: req.opId,
        }),
      )
      .then((result) => {
        if (DEBUG) this.log('info', 'op.result', { opId: req.opId, op: req.op, params: req.params, result });
        this.journal.finish(entry, result);
        return result;
      })
      .finally(() => {
        clearTimeout(timer);
        this.inFlight.delete(req.opId);
      });
    this.inFlight.set(req.opId, work);
    if (lock) {
      const settled = work.then(
        () => undefined,
        () => undefined,
      );
      this.locks.set(lock, settled);
      void settled.then(() => {
        if (this.locks.get(lock) === settled) this.locks.delete(lock);
      });
    }
    return work;
  }
}
