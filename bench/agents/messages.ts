/** Messages between the bench's main thread and its agent workers (worker_threads). */
export interface WorkerInit {
  workerIndex: number;
  seed: string;
  /** Global agent indices this worker holds. */
  indices: number[];
  /** Both bench modes dial wss (TLS from the agents' side); plain ws only with `devPlainHttp`. */
  pins: { url: string; cpFingerprint: string; tlsPin: string | null; devPlainHttp?: boolean };
  /** Connection attempts allowed to be in flight at once in this worker (the ramp's backpressure). */
  maxInFlight: number;
  /** Attempts per agent during the ramp before it counts as failed. */
  maxAttempts: number;
  handshakeTimeoutMs: number;
  /** First octet after 127 of the agents' source addresses. */
  addressBase: number;
}

export type ToWorker =
  | { type: 'record-start' }
  | { type: 'record-stop'; graceMs: number }
  | { type: 'live-list' }
  | { type: 'close' };

export interface ProgressMsg {
  type: 'progress';
  workerIndex: number;
  live: number;
  failed: number;
  inFlight: number;
  rampDone: boolean;
  /** Failure reasons of connection attempts (ramp and reconnects), counted. */
  errors: Record<string, number>;
  failedAttempts: number;
  disconnects: number;
}

export interface StatsMsg {
  type: 'stats';
  workerIndex: number;
  /** Ack latencies (ms) of the reports sent while recording. */
  latencies: Float64Array;
  sent: number;
  acked: number;
  disconnects: number;
  reconnects: number;
  welcomeIntervals: number[];
  ackIntervals: number[];
  loopDelayMs: { p50: number; p99: number; max: number };
}

export interface OpMsg {
  type: 'op';
  opId: string;
  /** Wall-clock ms (performance.timeOrigin + now), same clock as the main thread's Date.now(). */
  receivedAt: number;
  resultSentAt: number;
  redelivery: boolean;
}

export type FromWorker =
  | ProgressMsg
  | StatsMsg
  | OpMsg
  | { type: 'live-list'; workerIndex: number; indices: number[] }
  | { type: 'closed'; workerIndex: number };
