import type { Kysely } from 'kysely';
import { reportIntervalMs } from '@gnm/protocol';
import { outboundPolicy, type OutboundPolicy } from '@gnm/protocol/outbound';
import type { Database } from './db/schema.js';
import { AuditLog } from './audit/audit-log.js';
import { AccountScope } from './accounts/account-scope.js';
import { Accounts } from './accounts/accounts.js';
import { Invitations } from './accounts/invitations.js';
import { Hosts } from './hosts/hosts.js';
import { Enrollment } from './hosts/enrollment.js';
import type { Pins } from './hosts/install-command.js';
import { AgentGateway } from './gateway/agent-gateway.js';
import { ReportIngest } from './gateway/report-ingest.js';
import { TaskBus } from './tasks/task-bus.js';
import { Tasks } from './tasks/tasks.js';
import { Dispatcher } from './tasks/dispatcher.js';
import type { ControlPlaneIdentity } from './identity/identity.js';
import type { TlsMaterial } from './identity/tls.js';
import type { BundleRepository } from './bundles/bundle-repository.js';
import { Nodes } from './nodes/nodes.js';
import { HealthMonitor } from './nodes/health-monitor.js';
import { Attachments } from './attachments/attachments.js';
import { bindingValues } from './attachments/host-policy.js';
import { Fleet } from './fleet/fleet.js';
import { hostPresence } from './gateway/presence.js';

export interface ServiceOptions {
  identity: ControlPlaneIdentity;
  tls: TlsMaterial;
  publicUrl: string;
  /** Pinned report interval; undefined = scaled with the fleet (protocol's reportIntervalMs). */
  reportIntervalMs?: number;
  enrollmentTtlMinutes?: number;
  /** How often deployed nodes' health is read (GNM_NODE_HEALTH_INTERVAL_S); 0 = never by itself. */
  nodeHealthIntervalMs?: number;
  /** Where requests chosen by a user may go (GNM_OUTBOUND_ALLOW); public addresses only by default. */
  outbound?: OutboundPolicy;
  /** The bundle repository (its current root is the install command's third pin). */
  bundles: BundleRepository;
  log: {
    warn(o: object, msg: string): void;
    info(o: object, msg: string): void;
    error(o: object, msg: string): void;
  };
}

/**
 * The domain services of one control-plane process, wired together: the HTTP routes and the agent
 * gateway share them.
 */
export interface Services {
  audit: AuditLog;
  accounts: Accounts;
  invitations: Invitations;
  hosts: Hosts;
  enrollment: Enrollment;
  gateway: AgentGateway;
  ingest: ReportIngest;
  taskBus: TaskBus;
  tasks: Tasks;
  dispatcher: Dispatcher;
  identity: ControlPlaneIdentity;
  tls: TlsMaterial;
  bundles: BundleRepository;
  nodes: Nodes;
  attachments: Attachments;
  fleet: Fleet;
  pins(): Promise<Pins>;
  currentReportIntervalMs(): number;
  stop(): Promise<void>;
}

export async function createServices(db: Kysely<Database>, o: ServiceOptions): Promise<Services> {
  const audit = new AuditLog(db);
  const accounts = new Accounts(db, audit);
  const hosts = new Hosts(db, audit, (o.enrollmentTtlMinutes ?? 60) * 60_000);
  const taskBus = new TaskBus();
  const onError = (e: unknown) => o.log.error({ err: e }, 'background work failed');
  const ingest = new ReportIngest(db, 50, onError);
  // The fleet size changes slowly: refresh the count now and then, not per report.
  let fleet = await hosts.countEnrolled();
  const fleetTimer = setInterval(() => void hosts.countEnrolled().then((n) => (fleet = n), onError), 30_000);
  fleetTimer.unref();
  const currentReportIntervalMs = () => o.reportIntervalMs ?? reportIntervalMs(fleet);
  const gateway = new AgentGateway({
    hosts,
    audit,
    identity: o.identity,
    tlsCertSha256: o.tls.certSha256,
    ingest,
    reportIntervalMs: currentReportIntervalMs,
    log: o.log,
    handlers: {
      onConnected: (c) => void dispatcher.deliver(c.hostId),
      onOpEvent: (c, f) => dispatcher.onEvent(c, f),
      onOpResult: (c, f) => dispatcher.onResult(c, f),
    },
  });
  // The gateway's handlers run only after a connection, by which time the dispatcher exists.
  const dispatcher: Dispatcher = new Dispatcher(db, taskBus, (id) => gateway.connection(id), onError);
  const d = dispatcher;
  const tasks = new Tasks(db, hosts, new AccountScope(audit), taskBus, (hostId) => void d.deliver(hostId));
  d.start();
  const nodes = new Nodes(db, hosts, tasks, audit, o.bundles, onError, o.outbound ?? outboundPolicy());
  const unfollow = nodes.follow(taskBus);
  const attachments = new Attachments(db, nodes, tasks, audit, onError);
  nodes.useBindings(async (row) =>
    bindingValues({ hostId: row.host_id, role: row.role }, await attachments.active()),
  );
  const unfollowAttachments = attachments.follow(taskBus);
  // Flows a restart interrupted go on (their step's task may have finished meanwhile).
  void attachments.resume().catch(onError);
  const monitor = new HealthMonitor(db, tasks, (id) => gateway.connection(id) !== undefined, onError, {
    intervalMs: o.nodeHealthIntervalMs,
  });
  monitor.start();
  const stopResigning = o.bundles.startResigning();
  const stopMirroring = o.bundles.startMirroring();
  return {
    audit,
    accounts,
    invitations: new Invitations(db, accounts, audit),
    hosts,
    enrollment: new Enrollment(db, audit, o.tls.certSha256),
    gateway,
    ingest,
    taskBus,
    tasks,
    dispatcher: d,
    identity: o.identity,
    tls: o.tls,
    bundles: o.bundles,
    nodes,
    attachments,
    fleet: new Fleet(db, hosts, (h) =>
      hostPresence(h, (id) => gateway.isConnected(id), currentReportIntervalMs()),
    ),
    pins: async () => ({
      publicUrl: o.publicUrl,
      cpFingerprint: o.identity.fingerprint,
      tlsPin: o.tls.spkiPin,
      rootSha256: (await o.bundles.trust()).rootSha256 ?? null,
    }),
    currentReportIntervalMs,
    stop: async () => {
      clearInterval(fleetTimer);
      monitor.stop();
      unfollow();
      unfollowAttachments();
      stopResigning();
      stopMirroring();
      await gateway.close();
      await d.stop();
      await ingest.close();
    },
  };
}
