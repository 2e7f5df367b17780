#!/usr/bin/env -S node --import tsx
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { Agent } from './agent.js';
import { AGENT_VERSION } from './connection/link.js';
import { enroll, EnrollError } from './enroll.js';
import { AgentState, AgentStateError } from './state/agent-state.js';
import { probeHost } from './probes/host-probe.js';
import { OPERATIONS } from '@gnm/protocol';
import { ComposeDriver } from './compose/compose-driver.js';
import { DockerApi } from './compose/docker-api.js';
import { OperationFailure } from './operations/registry.js';
import { UnitError, renderUnit } from './install/systemd-unit.js';
import { addKeyCommands } from './keys/cli.js';
import { agentPlainHttpFromEnv, PLAIN_WARNING } from './connection/transport.js';
import { OutboundConfigError } from '@gnm/protocol/outbound';
import { agentOutboundPolicy } from './net/outbound-policy.js';

/**
 * gnm-agent: the host daemon (`run`) and the operator's local commands. Exit codes: 0 ok, 1 the
 * thing checked is not fine (preflight critical finding, refused enrollment), 2 usage or setup error.
 */
const program = new Command('gnm-agent').version(AGENT_VERSION).showHelpAfterError();
const stateDir = new Option('--state-dir <dir>', 'agent state folder')
  .env('GNM_AGENT_STATE_DIR')
  .default('/var/lib/gnm-agent');
const stacksRoot = new Option('--stacks-root <dir>', 'where stacks are rendered')
  .env('GNM_AGENT_STACKS_ROOT')
  .default('/srv/gnm');
const hostPathRoots = new Option(
  '--host-path-roots <dirs>',
  'comma-separated folders host paths such as HF_HOME may lie under (default: /mnt,/srv,/data)',
).env('GNM_AGENT_HOST_PATH_ROOTS');
const json = new Option('--json', 'machine-readable output');
const tools = () => ({ docker: process.env.GNM_AGENT_DOCKER, nvidiaSmi: process.env.GNM_AGENT_NVIDIA_SMI });

program
  .command('enroll')
  .description('enroll this host with the values of the install command')
  .requiredOption('--control-plane <url>')
  .requiredOption('--token <token>')
  .requiredOption('--cp-fingerprint <hex>')
  .option('--tls-pin <pin>')
  .option('--root-sha256 <hex>')
  .option(
    '--dev-plain-http',
    'allow an http:// control plane: no TLS, no pin (development only; also GNM_AGENT_DEV_PLAIN_HTTP=1; kept in the agent state)',
  )
  .addOption(stateDir)
  .action(
    async (o: {
      controlPlane: string;
      token: string;
      cpFingerprint: string;
      tlsPin?: string;
      rootSha256?: string;
      devPlainHttp?: boolean;
      stateDir: string;
    }) => {
      const c = await enroll({
        stateDir: o.stateDir,
        controlPlane: o.controlPlane.replace(/\/$/, ''),
        token: o.token,
        cpFingerprint: o.cpFingerprint,
        tlsPin: o.tlsPin ?? null,
        rootSha256: o.rootSha256 ?? null,
        devPlainHttp: o.devPlainHttp === true || agentPlainHttpFromEnv(),
        hostname: os.hostname(),
        agentVersion: AGENT_VERSION,
      });
      if (c.devPlainHttp) console.error(`WARNING: ${PLAIN_WARNING}`);
      console.log(`enrolled as host "${c.hostName}" (${c.hostId}), agent ${c.agentId}`);
    },
  );

program
  .command('run')
  .description('run the daemon in the foreground (systemd runs this)')
  .addOption(stateDir)
  .addOption(stacksRoot)
  .addOption(hostPathRoots)
  .action(async (o: { stateDir: string; stacksRoot: string; hostPathRoots?: string }) => {
    // A bad outbound setting stops the start, not the first net.check hours later.
    try {
      agentOutboundPolicy();
    } catch (e) {
      if (!(e instanceof OutboundConfigError)) throw e;
      console.error(`GNM_AGENT_OUTBOUND_ALLOW: ${e.message}`);
      process.exit(2);
    }
    const roots = o.hostPathRoots
      ?.split(/[,:]/)
      .map((r) => r.trim())
      .filter(Boolean);
    const bad = roots?.find((r) => !r.startsWith('/'));
    if (bad)
      program.error(`--host-path-roots: ${bad} is not an absolute folder (such as /srv/gonka)`, {
        exitCode: 2,
      });
    const agent = new Agent({
      stateDir: o.stateDir,
      stacksRoot: o.stacksRoot,
      devPlainHttp: agentPlainHttpFromEnv(),
      hostPathRoots: roots?.length ? roots : undefined,
      ...tools(),
    });
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => agent.stop());
    await agent.run();
  });

program
  .command('status')
  .description("enrollment and connection state of this host, and its stack's release and containers")
  .addOption(stateDir)
  .addOption(stacksRoot)
  .addOption(json)
  .action(async (o: { stateDir: string; stacksRoot: string; json?: boolean }) => {
    const state = new AgentState(o.stateDir);
    const config = state.loadConfig();
    type Daemon = { pid: number; connected: boolean; at: string; fatal: string | null };
    const readDaemon = (): Daemon | null => {
      try {
        return JSON.parse(fs.readFileSync(path.join(o.stateDir, 'status.json'), 'utf8')) as Daemon;
      } catch {
        return null; // never ran
      }
    };
    const daemon = readDaemon();
    const running = daemon ? fs.existsSync(`/proc/${daemon.pid}`) : false;
    const release = (name: 'current' | 'previous') => {
      try {
        return path.basename(fs.readlinkSync(path.join(o.stacksRoot, 'join', name)));
      } catch {
        return null; // nothing applied yet
      }
    };
    const containers = await new DockerApi().projectContainers('join').catch((e: Error) => e);
    const stack = {
      currentRelease: release('current'),
      previousRelease: release('previous'),
      containers: containers instanceof Error ? null : containers,
      dockerError: containers instanceof Error ? containers.message : null,
    };
    if (o.json)
      return console.log(
        JSON.stringify({ ...config, daemon: daemon ? { ...daemon, running } : null, stack }),
      );
    console.log(`host:           ${config.hostName} (${config.hostId})`);
    console.log(`agent:          ${config.agentId}, version ${AGENT_VERSION}`);
    console.log(`control plane:  ${config.controlPlane}`);
    console.log(
      `daemon:         ${!daemon ? 'never started' : !running ? 'not running' : daemon.connected ? 'running, connected' : 'running, not connected'}${daemon?.fatal ? ` — ${daemon.fatal}` : ''}`,
    );
    console.log(
      `stack:          ${stack.currentRelease ? `release ${stack.currentRelease}${stack.previousRelease ? ` (previous ${stack.previousRelease})` : ''}` : 'nothing applied yet'}`,
    );
    if (stack.dockerError) console.log(`containers:     unknown — ${stack.dockerError}`);
    for (const c of stack.containers ?? [])
      console.log(
        `  ${c.service.padEnd(14)}${c.state}${c.health ? ` (${c.health})` : ''}${c.state === 'exited' ? `, exit ${c.exitCode}` : ''}`,
      );
  });

program
  .command('preflight')
  .description('check this host can run Gonka: Docker, Compose v2, GPUs, disk, ports')
  .addOption(stacksRoot)
  .addOption(json)
  .action(async (o: { stacksRoot: string; json?: boolean }) => {
    const p = await probeHost({ stacksRoot: o.stacksRoot, ...tools() });
    if (o.json) console.log(JSON.stringify(p));
    else {
      console.log(
        `${p.os.prettyName}, kernel ${p.os.kernel}, ${p.cpu.cores} CPUs, ${Math.round(p.memory.totalMiB / 1024)} GiB RAM`,
      );
      for (const f of p.findings) {
        console.log(`${f.severity.toUpperCase().padEnd(8)} ${f.check.padEnd(15)} ${f.message}`);
        if (f.fix && f.severity !== 'ok') console.log(`${' '.repeat(25)}fix: ${f.fix}`);
      }
    }
    if (p.findings.some((f) => f.severity === 'critical')) process.exitCode = 1;
  });

program
  .command('install-unit')
  .description('write the systemd unit that runs this agent (the installer runs this)')
  .option('--exec <path>', 'the installed gnm-agent executable', process.execPath)
  .option('--unit-dir <dir>', 'where systemd reads units', '/etc/systemd/system')
  .addOption(stateDir)
  .addOption(stacksRoot)
  .action((o: { exec: string; unitDir: string; stateDir: string; stacksRoot: string }) => {
    const file = path.join(o.unitDir, 'gnm-agent.service');
    try {
      const unit = renderUnit({
        execPath: o.exec,
        stateDir: o.stateDir,
        stacksRoot: o.stacksRoot,
        httpsProxy: process.env.HTTPS_PROXY ?? process.env.https_proxy,
        noProxy: process.env.NO_PROXY ?? process.env.no_proxy,
        outboundAllow: process.env.GNM_AGENT_OUTBOUND_ALLOW,
      });
      fs.mkdirSync(o.unitDir, { recursive: true });
      fs.writeFileSync(`${file}.tmp`, unit, { mode: 0o644 });
      fs.renameSync(`${file}.tmp`, file);
    } catch (e) {
      if (!(e instanceof UnitError)) throw e;
      console.error(`the unit was not written: ${e.message}`);
      process.exit(2);
    }
    console.log(`wrote ${file}`);
  });

program
  .command('logs')
  .description("the last lines of one service of this host's stack (the join project)")
  .argument('<service>', 'a compose service: node, api, tmkms, mlnode-308, …')
  .option('-n, --tail <lines>', 'how many lines (1-5000)', '200')
  .addOption(json)
  .action(async (service: string, o: { tail: string; json?: boolean }) => {
    const params = OPERATIONS['stack.logs'].safeParse({ service, tail: Number(o.tail) });
    if (!params.success) {
      console.error(
        `invalid arguments: ${params.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
      process.exit(2);
    }
    try {
      const lines = await new ComposeDriver({ docker: tools().docker }).logs(
        params.data.service,
        params.data.tail,
      );
      console.log(o.json ? JSON.stringify({ service, lines }) : lines.join('\n'));
    } catch (e) {
      if (!(e instanceof OperationFailure)) throw e;
      console.error(e.message);
      process.exit(1);
    }
  });

// backup / restore: the host-only key commands (their modules load on use).
addKeyCommands(program, { stateDir, stacksRoot, json });

// No top-level await: the agent is also bundled as CommonJS for the single executable.
program.parseAsync().catch((e: unknown) => {
  if (e instanceof EnrollError || e instanceof AgentStateError) {
    console.error(e.message);
    process.exit(e instanceof EnrollError ? 1 : 2);
  }
  console.error((e as Error).message);
  process.exit(1);
});
