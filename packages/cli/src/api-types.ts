/** The shapes the CLI reads from the control plane API (see packages/control-plane/src/http/routes). */

export interface Host {
  id: string;
  ownerId: string;
  name: string;
  state: 'pending' | 'enrolled' | 'revoked';
  presence: 'online' | 'stale' | 'offline' | 'never-connected';
  agentId: string | null;
  agentVersion: string | null;
  hostname: string | null;
  createdAt: string;
  enrolledAt: string | null;
  revokedAt: string | null;
  lastSeenAt: string | null;
  lastReport: Record<string, unknown> | null;
}

export interface Enrollment {
  token: string;
  expiresAt: string;
  installCommand: string;
  warning: string | null;
}

export const FINISHED_STATES = ['succeeded', 'failed', 'expired', 'cancelled'] as const;

export interface Task {
  id: string;
  hostId: string;
  op: string;
  params: unknown;
  state: 'queued' | 'sent' | 'running' | (typeof FINISHED_STATES)[number];
  createdBy: string | null;
  createdAt: string;
  deadline: string;
  sentAt: string | null;
  deliveries: number;
  finishedAt: string | null;
  result: unknown;
  error: { code: string; message: string } | null;
}

export interface TaskEvent {
  seq: number;
  at: string;
  progress: { phase: string; done?: number; total?: number; unit?: string } | null;
  log: string | null;
}

export interface Instance {
  publicUrl: string;
  cpFingerprint: string;
  tlsMode: string;
  tlsPin: string | null;
  rootSha256: string | null;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actorId: string | null;
  action: string;
  target: string | null;
  sourceIp: string | null;
  outcome: 'ok' | 'denied' | 'failed';
}

export interface BundleInfo {
  name: string;
  version: string;
  gonkaRelease: string;
  importedAt: string;
  fileCount: number;
}

export interface ImportResult {
  changed: boolean;
  trustEstablished: boolean;
  initialRootSha256: string | null;
  rootSha256: string;
  rootVersion: number;
  targetsVersion: number;
  resigned: boolean;
  bundles: (BundleInfo & { new: boolean })[];
  warning: string | null;
}

export interface Trust {
  rootSha256: string | null;
  rootVersion: number | null;
  timestampExpiresAt: string | null;
  onlineKeys: boolean;
  onlineKeysProblem: string | null;
}

export const isFinished = (t: Task): boolean => (FINISHED_STATES as readonly string[]).includes(t.state);
