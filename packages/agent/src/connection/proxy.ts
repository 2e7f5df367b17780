import type { Agent } from 'node:http';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';

/**
 * HTTPS_PROXY / NO_PROXY support (DESIGN invariant 1: the agent only dials out, through the host's
 * proxy when it has one). The proxy only sees a CONNECT tunnel: TLS and the pin check run end to end.
 */
export function proxyAgentFor(url: string): Agent | undefined {
  const httpUrl = url.replace(/^ws/, 'http');
  const proxy = getProxyForUrl(httpUrl);
  return proxy ? new HttpsProxyAgent(proxy) : undefined;
}
