import fs from 'node:fs';
import os from 'node:os';
import { z } from 'zod';
import { runCommand } from '../operations/run-command.js';
import { Gpu, parseGpuQuery, parseTopology, QUERY_FIELDS, type Topology } from './gpus.js';
import { listeningPorts } from './listening-ports.js';

/**
 * `host.probe` and `gnm-agent preflight`: what this host is and whether it can run Gonka. Every
 * finding has a severity and, when something is wrong, a command or step that fixes it.
 */
export const Finding = z.object({
  check: z.string(),
  severity: z.enum(['ok', 'info', 'warning', 'critical']),
  message: z.string(),
  fix: z.string().optional(),
});
export type Finding = z.infer<typeof Finding>;

export const HostProbe = z.object({
  os: z.object({ prettyName: z.string(), kernel: z.string(), arch: z.string() }),
  cpu: z.object({ model: z.string(), cores: z.number() }),
  memory: z.object({ totalMiB: z.number() }),
  disk: z.object({ path: z.string(), freeGiB: z.number(), totalGiB: z.number() }).nullable(),
  docker: z.object({
    server: z.string().nullable(),
    compose: z.string().nullable(),
    nvidiaRuntime: z.boolean(),
  }),
  gpus: z.array(Gpu),
  nvlink: z.object({ gpus: z.number(), nvlinkPairs: z.number(), allPairsNvlink: z.boolean() }).nullable(),
  portsInUse: z.array(z.number()),
  findings: z.array(Finding),
});
export type HostProbe = z.infer<typeof HostProbe>;

/** Gonka needs 250+ GB free for the chain and models. */
const MIN_DISK_GIB = 250;
/** Host ports the official files publish (network node, then ML node): reference/gonka-stack.md. */
export const GONKA_HOST_PORTS = [5000, 8000, 8443, 9100, 9200, 30303, 8080, 5050];

export interface ProbeOptions {
  stacksRoot: string;
  docker?: string;
  nvidiaSmi?: string;
  procRoot?: string;
  signal?: AbortSignal;
}

function osRelease(): string {
  try {
    const text = fs.readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function probeHost(o: ProbeOptions): Promise<HostProbe> {
  const docker = o.docker ?? 'docker';
  const nvidiaSmi = o.nvidiaSmi ?? 'nvidia-smi';
  const findings: Finding[] = [];
  const cpus = os.cpus();

  let disk: HostProbe['disk'] = null;
  let probePath = o.stacksRoot;
  while (!fs.existsSync(probePath) && probePath !== '/') probePath = probePath.replace(/\/[^/]*$/, '') || '/';
  try {
    const s = fs.statfsSync(probePath);
    disk = {
      path: o.stacksRoot,
      freeGiB: Math.round(((s.bavail * s.bsize) / 1024 ** 3) * 10) / 10,
      totalGiB: Math.round(((s.blocks * s.bsize) / 1024 ** 3) * 10) / 10,
    };
    findings.push(
      disk.freeGiB >= MIN_DISK_GIB
        ? { check: 'disk', severity: 'ok', message: `${disk.freeGiB} GiB free under ${o.stacksRoot}` }
        : {
            check: 'disk',
            severity: 'warning',
            message: `${disk.freeGiB} GiB free under ${o.stacksRoot}; a Gonka node needs ${MIN_DISK_GIB}+ GB`,
            fix: `free space or put the stacks root on a larger disk (gnm-agent --stacks-root <path>)`,
          },
    );
  } catch (e) {
    findings.push({
      check: 'disk',
      severity: 'warning',
      message: `cannot read free space: ${(e as Error).message}`,
    });
  }

  const [server, compose, runtimes] = await Promise.all([
    runCommand(docker, ['version', '--format', '{{.Server.Version}}'], { signal: o.signal }),
    runCommand(docker, ['compose', 'version', '--short'], { signal: o.signal }),
    runCommand(docker, ['info', '--format', '{{json .Runtimes}}'], { signal: o.signal }),
  ]);
  const dockerVersion = server.code === 0 ? server.stdout.trim() : null;
  const composeVersion = compose.code === 0 ? compose.stdout.trim().replace(/^v/, '') : null;
  const nvidiaRuntime = runtimes.code === 0 && /"nvidia"/.test(runtimes.stdout);
  if (server.missing)
    findings.push({
      check: 'docker',
      severity: 'critical',
      message: 'Docker is not installed',
      fix: 'install Docker Engine: apt-get install docker.io (or Docker CE)',
    });
  else if (!dockerVersion)
    findings.push({
      check: 'docker',
      severity: 'critical',
      message: `the Docker engine does not answer: ${server.diagnostic.trim().split('\n')[0] ?? ''}`,
      fix: 'systemctl start docker, and check the agent runs as root or in the docker group',
    });
  else findings.push({ check: 'docker', severity: 'ok', message: `Docker ${dockerVersion}` });
  if (dockerVersion && !composeVersion)
    findings.push({
      check: 'compose',
      severity: 'critical',
      message:
        'Docker Compose v2 is missing (the official Gonka files need it; docker-compose 1.x cannot read them)',
      fix: 'install the Compose v2 plugin (docker-compose-plugin, or the compose binary in /usr/local/lib/docker/cli-plugins)',
    });
  else if (composeVersion)
    findings.push({ check: 'compose', severity: 'ok', message: `Docker Compose ${composeVersion}` });

  let gpus: Gpu[] = [];
  let nvlink: Topology | null = null;
  const smi = await runCommand(nvidiaSmi, [`--query-gpu=${QUERY_FIELDS}`, '--format=csv,noheader,nounits'], {
    signal: o.signal,
  });
  if (smi.missing) {
    findings.push({
      check: 'gpus',
      severity: 'info',
      message: 'no NVIDIA driver (nvidia-smi not found): this host can run a network node, not an ML node',
      fix: 'for an ML node, install the NVIDIA driver and the NVIDIA Container Toolkit',
    });
  } else if (smi.code !== 0) {
    const why = smi.diagnostic.trim().split('\n')[0] ?? '';
    findings.push({
      check: 'gpus',
      severity: 'critical',
      message: `nvidia-smi fails: ${why}`,
      fix: /mismatch/i.test(why)
        ? 'the NVIDIA kernel module and driver libraries differ (driver updated without reboot): reboot the host'
        : 'check the NVIDIA driver installation (nvidia-smi must work)',
    });
  } else {
    try {
      gpus = parseGpuQuery(smi.stdout);
      const names = [...new Set(gpus.map((g) => g.name))].join(', ');
      findings.push({
        check: 'gpus',
        severity: 'ok',
        message: `${gpus.length} × ${names}, driver ${gpus[0]?.driverVersion ?? '?'}`,
      });
      if (gpus.length > 1) {
        const topo = await runCommand(nvidiaSmi, ['topo', '-m'], { signal: o.signal });
        if (topo.code === 0) nvlink = parseTopology(topo.stdout);
      }
      // HGX/DGX boards join their GPUs through NVSwitches: without Fabric Manager running, CUDA sees
      // the GPUs but fails to initialise them (error 802) and the ML node never loads a model.
      if (nvlink?.allPairsNvlink && gpus.length >= 4) {
        const fm = await runCommand('systemctl', ['is-active', 'nvidia-fabricmanager'], { signal: o.signal });
        const running = fm.code === 0 || processRunning('nv-fabricmanager', o.procRoot);
        findings.push(
          running
            ? { check: 'fabric-manager', severity: 'ok', message: 'NVIDIA Fabric Manager is running' }
            : {
                check: 'fabric-manager',
                severity: 'critical',
                message: `${gpus.length} GPUs joined by NVLink/NVSwitch and NVIDIA Fabric Manager is not running: CUDA cannot use them`,
                fix: `apt-get install nvidia-fabricmanager-${(gpus[0]?.driverVersion ?? '').split('.')[0] ?? '<driver major>'} && systemctl enable --now nvidia-fabricmanager`,
              },
        );
      }
      if (!nvidiaRuntime)
        findings.push({
          check: 'nvidia-runtime',
          severity: 'warning',
          message: 'Docker has no nvidia runtime: containers cannot use the GPUs',
          fix: 'install nvidia-container-toolkit, then: nvidia-ctk runtime configure --runtime=docker && systemctl restart docker',
        });
    } catch (e) {
      findings.push({ check: 'gpus', severity: 'warning', message: (e as Error).message });
    }
  }

  findings.push(await clockFinding(o.signal));

  const ports = listeningPorts(o.procRoot);
  const busy = GONKA_HOST_PORTS.filter((p) => ports.includes(p));
  findings.push(
    busy.length
      ? {
          check: 'ports',
          severity: 'info',
          message: `ports the Gonka stack publishes already have listeners: ${busy.join(', ')} (fine if they are this host's own Gonka stack)`,
        }
      : { check: 'ports', severity: 'ok', message: 'the ports the Gonka stack publishes are free' },
  );

  return {
    os: { prettyName: osRelease(), kernel: os.release(), arch: os.arch() },
    cpu: { model: cpus[0]?.model ?? 'unknown', cores: cpus.length },
    memory: { totalMiB: Math.round(os.totalmem() / 1024 ** 2) },
    disk,
    docker: { server: dockerVersion, compose: composeVersion, nvidiaRuntime },
    gpus,
    nvlink,
    portsInUse: busy,
    findings,
  };
}

/** Whether a process with this command name runs (from /proc, like the port check). */
function processRunning(comm: string, procRoot = '/proc'): boolean {
  try {
    return fs.readdirSync(procRoot).some((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      try {
        return fs.readFileSync(`${procRoot}/${pid}/comm`, 'utf8').trim() === comm;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Clock sync: the chain rejects blocks and signatures far off its time, and PoC windows are timed; an
 * unsynchronised clock is a warning with the command that fixes it.
 */
async function clockFinding(signal?: AbortSignal): Promise<Finding> {
  const r = await runCommand('timedatectl', ['show', '--property=NTPSynchronized', '--value'], { signal });
  const synced =
    r.code === 0 ? r.stdout.trim() === 'yes' : fs.existsSync('/run/systemd/timesync/synchronized');
  if (synced) return { check: 'clock', severity: 'ok', message: 'the clock is synchronised (NTP)' };
  if (r.code !== 0 && (processRunning('chronyd') || processRunning('ntpd')))
    return { check: 'clock', severity: 'ok', message: 'a time daemon (chrony or ntpd) runs' };
  return {
    check: 'clock',
    severity: 'warning',
    message:
      r.code === 0
        ? 'the clock is not synchronised: block signing and PoC windows need the right time'
        : 'cannot tell whether the clock is synchronised (no timedatectl, chrony or ntpd found)',
    fix: 'timedatectl set-ntp true (systemd-timesyncd), or apt-get install chrony',
  };
}
