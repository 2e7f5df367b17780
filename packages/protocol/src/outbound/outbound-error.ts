/**
 * Why a request chosen by a user did not get an answer, from a fixed list: this, and for
 * `http-status` the status class, is all the user learns — never the far side's body or error text,
 * so the control plane and the agent are no oracle for what answers where.
 */
export const OUTBOUND_REASONS = [
  'refused-by-policy',
  'dns-failed',
  'connect-failed',
  'timeout',
  'tls-failed',
  'http-status',
  'bad-answer',
] as const;
export type OutboundReason = (typeof OUTBOUND_REASONS)[number];
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

const SENTENCES: Record<OutboundReason, string> = {
  'refused-by-policy':
    'refused by the outbound policy: the address is loopback, private, link-local, reserved or a cloud metadata address (an operator allows the first three with GNM_OUTBOUND_ALLOW on the control plane, GNM_AGENT_OUTBOUND_ALLOW on a host)',
  'dns-failed': 'the name does not resolve',
  'connect-failed': 'no connection (nothing listens there, or a firewall rejects it)',
  timeout: 'no answer in time (a firewall drops it, or the host is down)',
  'tls-failed': 'the TLS handshake failed',
  'http-status': 'it answered with an error status',
  'bad-answer': 'it answered, but not what was expected',
};

export class OutboundError extends Error {
  override name = 'OutboundError';
  constructor(
    readonly reason: OutboundReason,
    /** For `http-status`: the class of the status only. */
    readonly statusClass?: StatusClass,
    /**
     * The local socket error code (ECONNREFUSED, EHOSTUNREACH…), for a caller on the same host that
     * tells its operator more; never shown to a user of the control plane.
     */
    readonly code?: string,
  ) {
    super(SENTENCES[reason]);
  }

  /** `reason`, with the status class for an HTTP status: `http-status 5xx`. */
  get label(): string {
    return this.statusClass ? `${this.reason} ${this.statusClass}` : this.reason;
  }
}

export function statusClassOf(status: number): StatusClass {
  const c = Math.min(5, Math.max(1, Math.floor(status / 100)));
  return `${c}xx` as StatusClass;
}

export function describeOutbound(reason: OutboundReason): string {
  return SENTENCES[reason];
}

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const TIMEOUT = new Set(['ETIMEDOUT', 'ABORT_ERR', 'UND_ERR_CONNECT_TIMEOUT']);

/** Any error of a request as an OutboundError with a fixed reason (the message is dropped). */
export function toOutboundError(e: unknown): OutboundError {
  if (e instanceof OutboundError) return e;
  const err = e as { code?: unknown; name?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const name = typeof err?.name === 'string' ? err.name : '';
  if (name === 'AbortError' || name === 'TimeoutError' || (code && TIMEOUT.has(code)))
    return new OutboundError('timeout', undefined, code);
  if (code && DNS.has(code)) return new OutboundError('dns-failed', undefined, code);
  if (
    code &&
    (code.startsWith('ERR_TLS') ||
      code.startsWith('ERR_SSL') ||
      code.startsWith('CERT_') ||
      code === 'EPROTO' ||
      /SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH|ERR_OSSL/.test(code))
  )
    return new OutboundError('tls-failed', undefined, code);
  if (code?.startsWith('HPE_')) return new OutboundError('bad-answer', undefined, code);
  return new OutboundError('connect-failed', undefined, code);
}
