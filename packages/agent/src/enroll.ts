import {
  EnrollResponse,
  fingerprint,
  PinError,
  PlainTransportError,
  pinnedJsonRequest,
  signEnrollment,
  type Transport,
} from '@gnm/protocol';
import { AgentState, type AgentConfig } from './state/agent-state.js';
import { agentTransport } from './connection/transport.js';

export interface EnrollOptions {
  stateDir: string;
  controlPlane: string;
  token: string;
  cpFingerprint: string;
  tlsPin: string | null;
  rootSha256: string | null;
  /** The operator's explicit development flag: an http:// control plane is refused without it. */
  devPlainHttp?: boolean;
  hostname: string;
  agentVersion: string;
}

export class EnrollError extends Error {
  override name = 'EnrollError';
}

/**
 * Enrollment with the install command's token and pins: the identity is made here on the host, the
 * TLS key is checked against the pin before the token leaves, the request is signed over the TLS
 * certificate actually seen, and the control plane's identity must match the pinned fingerprint.
 */
export async function enroll(o: EnrollOptions): Promise<AgentConfig> {
  const state = new AgentState(o.stateDir);
  if (state.isEnrolled())
    throw new EnrollError(
      `this host is already enrolled (${state.configFile}); to enroll it again, stop the agent and remove ${o.stateDir} first`,
    );
  let transport: Transport;
  try {
    transport = agentTransport(o.controlPlane, { tlsPin: o.tlsPin, devPlainHttp: o.devPlainHttp });
  } catch (e) {
    if (e instanceof PlainTransportError) throw new EnrollError(e.message);
    if (e instanceof PinError)
      throw new EnrollError(
        '--tls-pin is required for an https control plane: copy the whole install command',
      );
    throw e;
  }
  const identity = state.identity();
  const r = await pinnedJsonRequest(`${o.controlPlane}/agent/v1/enroll`, transport, 'POST', (peer) => ({
    token: o.token,
    publicKey: identity.publicKey,
    proof: signEnrollment(o.token, identity.publicKey, peer?.certSha256 ?? 'plain-ws', identity.privateKey),
    agentVersion: o.agentVersion,
    hostname: o.hostname,
  }));
  if (r.status !== 201) {
    const p = r.json as { title?: string; detail?: string };
    throw new EnrollError(
      `the control plane refused the enrollment: ${p.title ?? r.status}: ${p.detail ?? ''}`,
    );
  }
  const e = EnrollResponse.parse(r.json);
  if (fingerprint(e.cpPublicKey) !== o.cpFingerprint)
    throw new EnrollError(
      'the control plane does not have the pinned identity (--cp-fingerprint): not enrolling',
    );
  const config: AgentConfig = {
    controlPlane: o.controlPlane,
    cpFingerprint: o.cpFingerprint,
    tlsPin: transport.kind === 'tls' ? transport.pin : null,
    rootSha256: o.rootSha256,
    ...(transport.kind === 'plain' ? { devPlainHttp: true } : {}),
    agentId: e.agentId,
    hostId: e.hostId,
    hostName: e.hostName,
    enrolledAt: new Date().toISOString(),
  };
  state.saveConfig(config);
  return config;
}
