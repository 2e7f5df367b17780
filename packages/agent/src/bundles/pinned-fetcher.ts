import https from 'node:https';
import http from 'node:http';
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { BaseFetcher } from 'tuf-js';
// tuf-js recognises a missing file (the end of a root update) only by this class, which it does not export.
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { checkPin } from '@gnm/protocol';
import { agentTransport } from '../connection/transport.js';

/**
 * Downloads TUF metadata and bundle files from the control plane over TLS pinned to the install
 * command's key. The signatures protect the content anyway; the pin keeps a man in the middle from
 * even serving stale or withheld files that look like the control plane's.
 */
export class PinnedFetcher extends BaseFetcher {
  /**
   * One keep-alive pool per fetch (a bundle is ~25 files): the pin is checked on every new connection
   * before it carries a request, so a reused connection is one that passed the check.
   */
  private readonly agent: https.Agent;

  constructor(
    private readonly tlsPin: string | null,
    /** The agent's development flag (agent.json): plain http only with it. */
    private readonly o: { devPlainHttp?: boolean } = {},
  ) {
    super();
    const pin = tlsPin ?? '';
    this.agent = new (class extends https.Agent {
      override createConnection(...args: Parameters<https.Agent['createConnection']>) {
        const socket = super.createConnection(...args) as TLSSocket;
        socket.once('secureConnect', () => {
          try {
            checkPin(socket, pin);
          } catch (e) {
            socket.destroy(e as Error);
          }
        });
        return socket;
      }
    })({ keepAlive: true, maxSockets: 2, rejectUnauthorized: false });
  }

  /** Closes the pooled connections (the fetch is over). */
  close(): void {
    this.agent.destroy();
  }

  fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    let isHttps: boolean;
    try {
      isHttps =
        agentTransport(url, { tlsPin: this.tlsPin, devPlainHttp: this.o.devPlainHttp }).kind === 'tls';
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request(
        url,
        { rejectUnauthorized: false, timeout: 30_000, agent: isHttps ? this.agent : false },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new DownloadHTTPError(`${url}: HTTP ${res.statusCode ?? 0}`, res.statusCode ?? 0));
          }
          resolve(Readable.toWeb(res) as ReadableStream<Uint8Array<ArrayBuffer>>);
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`${url}: timed out`)));
      req.end();
    });
  }
}
