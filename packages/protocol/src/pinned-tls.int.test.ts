import crypto from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import selfsigned from 'selfsigned';
import { pinnedJsonRequest, PinError } from './pinned-tls.js';

/** Regression: Node 20 pools HTTPS sockets; a pooled socket must not skip the pin check. */
describe('pinned HTTPS requests', () => {
  let server: https.Server;
  let url = '';
  let pin = '';
  let requests = 0;
  beforeAll(async () => {
    const c = await selfsigned.generate([{ name: 'commonName', value: 'x' }], {
      keyType: 'ec',
      curve: 'P-256',
    });
    const spki = new crypto.X509Certificate(c.cert).publicKey.export({ type: 'spki', format: 'der' });
    pin = `sha256//${crypto.createHash('sha256').update(spki).digest('base64')}`;
    server = https.createServer({ key: c.private, cert: c.cert, keepAlive: true }, (_req, res) => {
      requests++;
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => server.close());

  it('checks the pin on every request, even right after a successful one', async () => {
    expect((await pinnedJsonRequest(url, { kind: 'tls', pin }, 'GET', () => null)).json).toEqual({
      ok: true,
    });
    const before = requests;
    await expect(
      pinnedJsonRequest(
        url,
        { kind: 'tls', pin: 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
        'POST',
        () => ({
          token: 'secret',
        }),
      ),
    ).rejects.toBeInstanceOf(PinError);
    expect(requests).toBe(before); // the server never saw the request
  });
});
