/**
 * The connectivity proof of an attachment, pure: which checks each side runs (net.check on its agent)
 * and what their results mean, in sentences that say what to fix. Both ways, as the traffic flows
 * (reference §11.3): the network node's DAPI calls the ML node's API (8080) and inference port (5050);
 * the ML node posts its PoC batches to the callback URL (9100). A wrong callback URL is caught here,
 * before the ML node is registered and long before PoC, with the address that does answer.
 */
export interface CheckSpec {
  id: string;
  kind: 'http' | 'tcp';
  host: string;
  port: number;
  path?: '/health' | '/api/v1/state' | '/versions' | '/v1/status';
}

export interface CheckResult {
  id: string;
  target: string;
  ok: boolean;
  failure: string | null;
  detail: string;
}

export interface AttachmentAddresses {
  networkAddress: string;
  mlAddress: string;
  callbackUrl: string;
  mlPorts: { poc: number; inference: number };
}

/** The network node's checks of the ML node (run by the network host's agent). */
export function networkSideChecks(a: AttachmentAddresses): CheckSpec[] {
  return [
    { id: 'ml-health', kind: 'http', host: a.mlAddress, port: a.mlPorts.poc, path: '/health' },
    { id: 'ml-state', kind: 'http', host: a.mlAddress, port: a.mlPorts.poc, path: '/api/v1/state' },
    { id: 'ml-inference', kind: 'tcp', host: a.mlAddress, port: a.mlPorts.inference },
  ];
}

/** The ML node's checks of the network node's callback (run by the ML host's agent). */
export function mlSideChecks(a: AttachmentAddresses): CheckSpec[] {
  const cb = callbackTarget(a.callbackUrl);
  const out: CheckSpec[] = [
    { id: 'callback', kind: 'http', host: cb.host, port: cb.port, path: '/versions' },
  ];
  // When the callback URL names another address, also try the chosen one: if only that answers, the
  // operator is told to use it.
  if (cb.host !== a.networkAddress || cb.port !== 9100)
    out.push({ id: 'callback-direct', kind: 'http', host: a.networkAddress, port: 9100, path: '/versions' });
  return out;
}

export function callbackTarget(url: string): { host: string; port: number } {
  const u = new URL(url);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
  };
}

/** What failed, each with what to fix; empty when every check passed. */
export function connectivityProblems(
  a: AttachmentAddresses & { networkHost: string; mlHost: string },
  network: CheckResult[],
  ml: CheckResult[],
): string[] {
  const problems: string[] = [];
  const by = (list: CheckResult[], id: string) => list.find((r) => r.id === id);
  const health = by(network, 'ml-health');
  const state = by(network, 'ml-state');
  const inference = by(network, 'ml-inference');
  if (health && !health.ok)
    problems.push(
      `the network node (${a.networkHost}) cannot reach the ML node's API at ${health.target}: ${health.detail}. ` +
        (health.failure === 'http'
          ? `The ML node answers but is not healthy: check gnm-agent logs mlnode-308 on ${a.mlHost}.`
          : `Check that ${a.mlAddress} is ${a.mlHost}'s address on the network the two share, that its ML node is deployed, and that nothing between them drops port ${a.mlPorts.poc}.`),
    );
  else if (state && !state.ok)
    problems.push(`the ML node's state route ${state.target} failed: ${state.detail}`);
  if (inference && !inference.ok)
    problems.push(
      `the network node cannot reach the ML node's inference port at ${inference.target}: ${inference.detail}. Check INFERENCE_PORT (${a.mlPorts.inference}) and that nothing between them drops it.`,
    );
  const cb = by(ml, 'callback');
  const direct = by(ml, 'callback-direct');
  if (cb && !cb.ok) {
    if (direct?.ok)
      problems.push(
        `the ML node (${a.mlHost}) cannot reach the PoC callback URL ${a.callbackUrl}: ${cb.detail}. It does reach the network node at http://${a.networkAddress}:9100: use that as the callback URL (attach again without --callback-url, or with --callback-url http://${a.networkAddress}:9100). With the wrong URL the ML node's PoC batches are lost and it earns no weight.`,
      );
    else
      problems.push(
        `the ML node (${a.mlHost}) cannot reach the network node's PoC callback at ${cb.target}: ${cb.detail}. Check that ${a.networkAddress} is ${a.networkHost}'s address on the network the two share and that nothing between them drops port 9100.`,
      );
  }
  return problems;
}
