import readline from 'node:readline/promises';
import type { Command } from 'commander';
import { Api, publicGet, problemFailure } from './client.js';
import type { Host, Instance } from './api-types.js';
import {
  checkPinFormat,
  checkTransport,
  configPath,
  plainHttpFromEnv,
  parseUrl,
  readConfig,
  sameOrigin,
  writeConfig,
  type SavedConfig,
} from './config.js';
import { fields } from './format.js';
import { CliFailure, EXIT, emit } from './output.js';

function asInstance(status: number, json: unknown, url: string): Instance {
  const i = json as Partial<Instance> | undefined;
  if (status !== 200 || !i || typeof i.cpFingerprint !== 'string' || !('tlsPin' in i))
    throw status >= 400
      ? problemFailure(status, json)
      : new CliFailure(`${url} does not look like a Gonka Node Manager control plane`, [
          `GET ${url}/api/v1/instance answered HTTP ${status} without the instance's pins`,
        ]);
  return i as Instance;
}

async function readStdinToken(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** `gnm login` and `gnm logout`. */
export function registerLoginCommands(program: Command): void {
  const json = (): boolean => program.opts<{ json?: boolean }>().json === true;

  program
    .command('login')
    .description(
      'check an API token against a control plane and save it, with the control plane TLS key pin (trust on first use)',
    )
    .option(
      '--url <url>',
      'the control plane, e.g. https://cp.example.org:8787 (default: GNM_URL or the saved one)',
    )
    .option(
      '--token <token>',
      'an API token (gnmt_…, from the console or POST /api/v1/tokens); "-" reads it from stdin (default: GNM_TOKEN)',
    )
    .option(
      '--tls-pin <pin>',
      "the control plane's TLS key pin, sha256//… (default: GNM_TLS_PIN, or the saved one for this URL)",
    )
    .option('--trust', 'trust the TLS key the server presents now (trust on first use; replaces a saved pin)')
    .option(
      '--dev-plain-http',
      'allow an http:// control plane: no TLS, no pin (development only; also GNM_CLI_DEV_PLAIN_HTTP=1; saved with the login)',
    )
    .action(
      async (o: {
        url?: string;
        token?: string;
        tlsPin?: string;
        trust?: boolean;
        devPlainHttp?: boolean;
      }) => {
        const file = configPath();
        const saved = readConfig(file);
        const rawUrl = o.url ?? (process.env.GNM_URL || saved.url);
        if (!rawUrl)
          throw new CliFailure('give the control plane address: --url https://<host>:8787', [], EXIT.usage);
        const url = parseUrl(rawUrl);
        const same = saved.url !== undefined && sameOrigin(saved.url, url);
        const https = url.startsWith('https:');
        // Refused before the token is even read: plain HTTP only with the development flag.
        const devPlain =
          !https && (o.devPlainHttp === true || plainHttpFromEnv() || (same && saved.devPlainHttp === true));
        if (!https) checkTransport(url, null, devPlain);
        let token =
          o.token === '-' ? await readStdinToken() : (o.token ?? (process.env.GNM_TOKEN || undefined));
        if (!token && same) token = saved.token;
        if (!token)
          throw new CliFailure(
            'give an API token: --token gnmt_… (or --token - to read it from stdin, or GNM_TOKEN)',
            ['create one in the console, or with POST /api/v1/tokens while logged in'],
            EXIT.usage,
          );
        if (!/^gnmt_[A-Za-z0-9_-]{20,}$/.test(token))
          throw new CliFailure('that is not an API token: they start with gnmt_', [], EXIT.usage);

        const givenPin = o.tlsPin ?? (process.env.GNM_TLS_PIN || undefined);
        // The saved pin of this URL is reused unless a pin is given or --trust asks to trust the key anew.
        let pin: string | null = givenPin
          ? checkPinFormat(givenPin)
          : same && saved.tlsPin && !o.trust
            ? saved.tlsPin
            : null;
        let instance: Instance;
        let trustedOnFirstUse = false;
        if (!https) {
          const r = await publicGet(url, null, '/api/v1/instance', { plain: devPlain });
          instance = asInstance(r.status, r.json, url);
          pin = null;
          process.stderr.write(
            `warning: ${url} is plain HTTP: the token crosses the network unencrypted (development only)\n`,
          );
        } else if (pin) {
          // The pin is checked before anything is read or sent.
          const r = await publicGet(url, pin, '/api/v1/instance');
          instance = asInstance(r.status, r.json, url);
        } else {
          // Trust on first use: fetch the pins without a token, show them, and ask.
          const r = await publicGet(url, null, '/api/v1/instance');
          instance = asInstance(r.status, r.json, url);
          const presented = r.peer?.spkiPin;
          if (!presented) throw new CliFailure(`${url} presented no TLS certificate`);
          if (instance.tlsPin && instance.tlsPin !== presented)
            throw new CliFailure(
              `refused: ${url} presents TLS key ${presented}, but the control plane says its key is ${instance.tlsPin}`,
              [
                'something between you and the control plane (a proxy, or an interception) terminates TLS',
                'give the pin you expect with --tls-pin if this is intended',
              ],
              EXIT.usage,
            );
          process.stderr.write(
            `First connection to ${url}: nothing is pinned yet (trust on first use).\n${fields([
              ['TLS key pin', presented],
              ['control plane fingerprint', instance.cpFingerprint],
              ['TLS mode', instance.tlsMode],
            ])
              .split('\n')
              .map((l) => `  ${l}`)
              .join(
                '\n',
              )}\nCompare them with what the control plane shows (its console, or GET /api/v1/instance on the server itself).\n`,
          );
          if (!o.trust) {
            const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
            if (!interactive || !(await confirm('Trust this control plane? [y/N] ')))
              throw new CliFailure(
                'not trusted: nothing was saved and the token was not sent',
                [
                  interactive
                    ? 'run gnm login again and answer yes once the pin matches'
                    : 'once you have compared the pin, run again with --trust, or with --tls-pin <pin>',
                ],
                EXIT.usage,
              );
          }
          pin = presented;
          trustedOnFirstUse = true;
        }

        const api = new Api({ url, token, tlsPin: pin, devPlainHttp: devPlain });
        const { hosts } = await api.request<{ hosts: Host[] }>('GET', '/api/v1/hosts');
        const next: SavedConfig = {
          url,
          token,
          tlsPin: pin,
          cpFingerprint: instance.cpFingerprint,
          ...(devPlain ? { devPlainHttp: true } : {}),
        };
        writeConfig(next, file);
        emit(
          json(),
          `Logged in to ${url} (${hosts.length} host${hosts.length === 1 ? '' : 's'}).${trustedOnFirstUse ? `\nPinned its TLS key ${pin ?? ''}.` : ''}\nSaved to ${file}.`,
          {
            url,
            tlsPin: pin,
            cpFingerprint: instance.cpFingerprint,
            tlsMode: instance.tlsMode,
            trustedOnFirstUse,
            hosts: hosts.length,
            config: file,
          },
        );
      },
    );

  program
    .command('logout')
    .description(
      'remove the saved API token (the URL and pin stay; the token itself stays valid until revoked in the console)',
    )
    .action(() => {
      const file = configPath();
      const saved = readConfig(file);
      const had = saved.token !== undefined;
      if (had) {
        const rest: SavedConfig = { ...saved, token: undefined };
        writeConfig(rest, file);
      }
      emit(
        json(),
        had
          ? `Removed the saved token from ${file}. Revoke the token in the console if it may have leaked.`
          : `No saved token in ${file}.`,
        { config: file, removed: had },
      );
    });
}
