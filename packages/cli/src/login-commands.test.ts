import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connection } from './config.js';
import { registerLoginCommands } from './login-commands.js';
import { CliFailure, EXIT } from './output.js';

/**
 * `gnm` talks plain HTTP only when told it is a development control plane: an http:// URL alone is
 * refused before anything is sent, with a message that says what to do.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-cli-plain-'));
const seen: string[] = [];
let server: http.Server;
let url: string;
const TOKEN = `gnmt_${'x'.repeat(43)}`;
const saved = { ...process.env };
beforeAll(async () => {
  for (const k of ['GNM_URL', 'GNM_TOKEN', 'GNM_TLS_PIN', 'GNM_DEV_PLAIN_HTTP', 'GNM_CLI_DEV_PLAIN_HTTP'])
    Reflect.deleteProperty(process.env, k);
  process.env.GNM_CONFIG = path.join(tmp, 'config.json');
  server = http.createServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''} ${req.headers.authorization ?? ''}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      req.url === '/api/v1/instance'
        ? JSON.stringify({ cpFingerprint: 'f'.repeat(64), tlsPin: null, tlsMode: 'plain' })
        : JSON.stringify({ hosts: [] }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  process.env = saved;
  await new Promise((r) => server.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function gnm(...args: string[]): Promise<unknown> {
  const program = new Command('gnm').option('--json').exitOverride();
  registerLoginCommands(program);
  try {
    await program.parseAsync(['node', 'gnm', ...args]);
    return 'ok';
  } catch (e) {
    return e;
  }
}

describe('gnm and a plain-HTTP control plane', () => {
  it('login --url http://… without the development flag is refused before anything is sent', async () => {
    seen.length = 0;
    const e = await gnm('login', '--url', url, '--token', TOKEN);
    expect(e).toBeInstanceOf(CliFailure);
    const f = e as CliFailure;
    expect(f.code).toBe(EXIT.usage);
    expect(`${f.message}\n${f.details.join('\n')}`).toMatch(/plain http.*--dev-plain-http/is);
    expect(seen).toEqual([]);
    expect(fs.existsSync(path.join(tmp, 'config.json'))).toBe(false);
  });

  it('an http:// GNM_URL without the development flag is refused', () => {
    expect(() =>
      connection({ GNM_CONFIG: path.join(tmp, 'none.json'), GNM_URL: url, GNM_TOKEN: TOKEN }),
    ).toThrow(/plain http/i);
  });
});
