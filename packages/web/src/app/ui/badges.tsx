/** State shown as a word and a colour (never colour alone). */
const TONE: Record<string, 'ok' | 'warn' | 'bad' | 'idle' | 'busy'> = {
  ok: 'ok',
  online: 'ok',
  succeeded: 'ok',
  done: 'ok',
  enrolled: 'ok',
  registered: 'ok',
  deployed: 'ok',
  running: 'busy',
  sent: 'busy',
  queued: 'busy',
  deploying: 'busy',
  registering: 'busy',
  pending: 'idle',
  configured: 'idle',
  unknown: 'idle',
  'never-connected': 'idle',
  warning: 'warn',
  stale: 'warn',
  critical: 'bad',
  offline: 'bad',
  failed: 'bad',
  expired: 'bad',
  cancelled: 'idle',
  revoked: 'bad',
  attached: 'ok',
  attaching: 'busy',
  detaching: 'busy',
  detached: 'idle',
};

export function Badge({ value, label }: { value: string; label?: string }) {
  return (
    <span
      className={`badge badge-${TONE[value] ?? 'idle'}`}
      {...(label ? { 'aria-label': `${label}: ${value}` } : {})}
    >
      {value}
    </span>
  );
}
