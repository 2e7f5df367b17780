import { OutboundConfigError, outboundPolicy } from '@gnm/protocol/outbound';

/**
 * The systemd unit that runs the agent (issue #6): restart always, after Docker and the network, a
 * raised open-files limit, and the hardening that does not get in the way of driving Docker. Paths are
 * checked, not quoted: a path with whitespace or a special character is refused, so no value can add a
 * directive to the unit.
 */
export interface UnitOptions {
  /** Absolute path of the gnm-agent executable. */
  execPath: string;
  stateDir: string;
  stacksRoot: string;
  /** HTTPS_PROXY / NO_PROXY of the host, when it has them. */
  httpsProxy?: string;
  noProxy?: string;
  /** GNM_AGENT_OUTBOUND_ALLOW given at install: this host's own outbound policy for user targets. */
  outboundAllow?: string;
}

export class UnitError extends Error {
  override name = 'UnitError';
}

const SAFE_PATH = /^\/[A-Za-z0-9._/-]*$/;
const SAFE_VALUE = /^[A-Za-z0-9._:/@,=+-]*$/;

function checkPath(name: string, p: string): string {
  if (!SAFE_PATH.test(p) || p.split('/').includes('..'))
    throw new UnitError(
      `${name} must be an absolute path of letters, digits, ".", "_", "-" and "/" (got ${JSON.stringify(p)})`,
    );
  return p;
}

function checkValue(name: string, v: string): string {
  if (!SAFE_VALUE.test(v))
    throw new UnitError(`${name} contains characters a unit file cannot carry safely: ${JSON.stringify(v)}`);
  return v;
}

function checkOutbound(v: string): string {
  try {
    outboundPolicy(v);
  } catch (e) {
    if (e instanceof OutboundConfigError) throw new UnitError(`GNM_AGENT_OUTBOUND_ALLOW: ${e.message}`);
    throw e;
  }
  return v.replace(/\s+/g, '');
}

export function renderUnit(o: UnitOptions): string {
  const exec = checkPath('the agent executable', o.execPath);
  const state = checkPath('--state-dir', o.stateDir);
  const stacks = checkPath('--stacks-root', o.stacksRoot);
  const env = [
    o.httpsProxy ? `Environment=HTTPS_PROXY=${checkValue('HTTPS_PROXY', o.httpsProxy)}` : null,
    o.noProxy ? `Environment=NO_PROXY=${checkValue('NO_PROXY', o.noProxy)}` : null,
    o.outboundAllow !== undefined
      ? `Environment=GNM_AGENT_OUTBOUND_ALLOW=${checkValue('GNM_AGENT_OUTBOUND_ALLOW', checkOutbound(o.outboundAllow))}`
      : null,
  ].filter((l): l is string => l !== null);
  return `# Written by the Gonka Node Manager installer. Reinstalling replaces this file.
[Unit]
Description=Gonka Node Manager agent
Documentation=https://github.com/gonka-ai/gonka
Wants=network-online.target
After=network-online.target docker.service

[Service]
Type=simple
ExecStart=${exec} run --state-dir ${state} --stacks-root ${stacks}
${env.length ? `${env.join('\n')}\n` : ''}Restart=always
RestartSec=5
# The agent never listens; it only dials the control plane and drives the local Docker engine.
NoNewPrivileges=yes
PrivateTmp=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectClock=yes
RestrictSUIDSGID=yes
LockPersonality=yes
UMask=0077
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`;
}
