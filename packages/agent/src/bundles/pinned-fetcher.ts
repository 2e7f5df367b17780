import https from 'node:https';
import http from 'node:http';
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { BaseFetcher } from 'tuf-js';
// tuf-js recognises a missing file (the end of a root update) only by this class, which it does not export.
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { checkPin } from '@gnm/protocol';

/**
 * Downloads TUF metadata and bundle files from the control plane over TLS pinned to the install
 * command's key. The signatures protect the content anyway; the pin keeps a man in the middle from
 * even serving stale or withheld files that look like the control plane's.
 */
export class PinnedFetcher extends BaseFetcher {
  constructor(private readonly tlsPin: string | null) {
    super();
  }

  fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const isHttps = url.startsWith('https:');
    return new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request(
        url,
        { rejectUnauthorized: false, timeout: 30_000, agent: false },
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
      if (!isHttps) return void req.end();
      // Nothing is requested until the server's key matches the pin. `agent: false`: a pooled,
      // already-verified socket would skip this check, so every request gets its own connection.
      req.on('socket', (socket) => {
        const tlsSocket = socket as TLSSocket;
        tlsSocket.once('secureConnect', () => {
          try {
            checkPin(tlsSocket, this.tlsPin ?? '');
          } catch (e) {
            req.destroy(e as Error);
          }
        });
      });
      req.end();
    });
  }
}
