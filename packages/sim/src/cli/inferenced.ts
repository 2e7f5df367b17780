import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Keyring, addressOfBase64, newMnemonic, signTx } from '../lib/keys.js';
import { request, isObject, sleep } from '../lib/http.js';

/**
 * Stand-in for the `inferenced` CLI: the key and registration commands of reference §8, enough of
 * the Cosmos CLI's behaviour (file keyring passphrase prompts on stdin, output formats, refusing to
 * overwrite a key) for the product and the tests to drive it exactly as an operator would.
 */
class CliError extends Error {}

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

const BOOL_FLAGS = new Set(['-a', '--address', '--recover', '-y', '--yes', '--unordered']);

function parse(argv: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a.startsWith('-')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags.set(a.slice(0, eq), a.slice(eq + 1));
      else if (BOOL_FLAGS.has(a) || i + 1 >= argv.length || (argv[i + 1] ?? '').startsWith('-'))
        flags.set(a, true);
      else flags.set(a, argv[++i] ?? '');
    } else positional.push(a);
  }
  return { positional, flags };
}

function flag(p: Parsed, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = p.flags.get(n);
    if (typeof v === 'string') return v;
  }
  return undefined;
}

let stdinLines: string[] | undefined;
function readLine(prompt: string): string {
  process.stderr.write(prompt);
  if (stdinLines === undefined) {
    let data = '';
    try {
      data = fs.readFileSync(0, 'utf8');
    } catch {
      data = '';
    }
    stdinLines = data.split('\n');
    if (stdinLines.at(-1) === '') stdinLines.pop();
  }
  const line = stdinLines.shift();
  if (line === undefined) throw new CliError('EOF');
  process.stderr.write('\n');
  return line.replace(/\r$/, '');
}

function keyringOf(p: Parsed): Keyring {
  const backend = flag(p, '--keyring-backend') ?? 'os';
  if (backend !== 'file' && backend !== 'test')
    throw new CliError(
      `keyring backend "${backend}" is not available in this environment; use --keyring-backend file`,
    );
  const home = flag(p, '--home') ?? '/root/.inference';
  const dir = flag(p, '--keyring-dir') ?? home;
  return new Keyring(path.join(dir, backend === 'file' ? 'keyring-file' : 'keyring-test'));
}

/** The file backend asks for the passphrase on every open; twice (with confirmation) for a new keyring. */
function passphrase(kr: Keyring, p: Parsed): string {
  if ((flag(p, '--keyring-backend') ?? 'os') === 'test') return 'test';
  const hashFile = path.join(kr.dir, 'keyhash');
  if (fs.existsSync(hashFile)) {
    const [salt, hash] = fs.readFileSync(hashFile, 'utf8').split(':');
    for (let attempt = 1; attempt <= 3; attempt++) {
      const pw = readLine(`Enter keyring passphrase (attempt ${attempt}/3):`);
      if (crypto.scryptSync(pw, Buffer.from(salt ?? '', 'hex'), 32).toString('hex') === hash) return pw;
      process.stderr.write('incorrect passphrase\n');
    }
    throw new CliError('too many failed passphrase attempts');
  }
  const pw = readLine('Enter keyring passphrase (attempt 1/3):');
  if (pw.length < 8) throw new CliError('password must be at least 8 characters');
  const again = readLine('Re-enter keyring passphrase:');
  if (again !== pw) throw new CliError('passphrase do not match');
  fs.mkdirSync(kr.dir, { recursive: true, mode: 0o700 });
  const salt = crypto.randomBytes(16);
  fs.writeFileSync(hashFile, `${salt.toString('hex')}:${crypto.scryptSync(pw, salt, 32).toString('hex')}`, {
    mode: 0o600,
  });
  return pw;
}

function keyYaml(k: { name: string; address: string; pubkey: string }): string {
  return `- address: ${k.address}\n  name: ${k.name}\n  pubkey: '{"@type":"/cosmos.crypto.secp256k1.PubKey","key":"${k.pubkey}"}'\n  type: local\n`;
}

function keyJson(k: { name: string; address: string; pubkey: string }): unknown {
  return {
    name: k.name,
    type: 'local',
    address: k.address,
    pubkey: JSON.stringify({ '@type': '/cosmos.crypto.secp256k1.PubKey', key: k.pubkey }),
  };
}

async function keys(p: Parsed): Promise<void> {
  const [, sub, name] = p.positional;
  const kr = keyringOf(p);
  const json = flag(p, '--output', '-o') === 'json';
  if (sub === 'add') {
    if (!name) throw new CliError('accepts 1 arg(s), received 0');
    const pw = passphrase(kr, p);
    if (kr.has(name)) {
      process.stderr.write(`override the existing name ${name} [y/N]: `);
      throw new CliError('aborted');
    }
    let mnemonic: string;
    if (p.flags.has('--recover')) {
      mnemonic = readLine('> Enter your bip39 mnemonic').trim();
      if (mnemonic.split(/\s+/).length < 12) throw new CliError('invalid mnemonic');
    } else mnemonic = newMnemonic();
    const k = kr.add(name, pw, mnemonic);
    const info = { name, ...k };
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ ...(keyJson(info) as object), ...(p.flags.has('--recover') ? {} : { mnemonic }) })}\n`,
      );
      return;
    }
    process.stdout.write(`\n${keyYaml(info)}\n`);
    if (!p.flags.has('--recover')) {
      process.stdout.write(
        `\n**Important** write this mnemonic phrase in a safe place.\nIt is the only way to recover your account if you ever forget your password.\n\n${mnemonic}\n`,
      );
    }
    return;
  }
  if (sub === 'show') {
    if (!name) throw new CliError('accepts 1 arg(s), received 0');
    passphrase(kr, p);
    const k = kr.show(name);
    if (!k) throw new CliError(`${name} is not a valid name or address: key not found`);
    if (p.flags.has('-a') || p.flags.has('--address')) process.stdout.write(`${k.address}\n`);
    else if (json) process.stdout.write(`${JSON.stringify(keyJson(k))}\n`);
    else process.stdout.write(keyYaml(k));
    return;
  }
  if (sub === 'list') {
    passphrase(kr, p);
    const all = kr.list();
    if (json) process.stdout.write(`${JSON.stringify(all.map(keyJson))}\n`);
    else process.stdout.write(all.length ? all.map(keyYaml).join('') : 'No records were found in keyring\n');
    return;
  }
  throw new CliError(`unknown command "${sub ?? ''}" for "inferenced keys"`);
}

async function registerNewParticipant(p: Parsed): Promise<void> {
  const [, url, accountPubkey] = p.positional;
  const seed = (flag(p, '--node-address') ?? '').replace(/\/+$/, '');
  if (!url || !accountPubkey || !seed) {
    throw new CliError(
      'usage: inferenced register-new-participant <node-url> <account-public-key> --node-address <seed-api-url>',
    );
  }
  const address = addressOfBase64(accountPubkey);
  let consensusKey = flag(p, '--consensus-key') ?? '';
  if (!consensusKey) {
    const rpc = (process.env.DAPI_CHAIN_NODE__URL ?? 'http://node:26657').replace(/\/+$/, '');
    // A few tries: the node's RPC may be busy right after a (re)start, as a real node's often is.
    for (let attempt = 0; attempt < 5 && !consensusKey; attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, 1000));
      const st = await request('GET', `${rpc}/status`);
      const result = isObject(st.body) && isObject(st.body.result) ? st.body.result : undefined;
      const vi =
        result && isObject(result.validator_info) && isObject(result.validator_info.pub_key)
          ? result.validator_info.pub_key
          : undefined;
      consensusKey = vi ? String(vi.value ?? '') : '';
    }
    if (!consensusKey)
      throw new CliError(`could not read the consensus key from ${rpc}/status; pass --consensus-key`);
  }
  process.stdout.write(
    `Registering new participant:\n  Node URL: ${url}\n  Account Address: ${address}\n  Account Public Key: ${accountPubkey}\n  Validator Consensus Key: ${consensusKey}\n`,
  );
  process.stdout.write(`Sending registration request to ${seed}/v1/participants\n`);
  const r = await request('POST', `${seed}/v1/participants`, {
    address,
    url,
    validator_key: consensusKey,
    pub_key: accountPubkey,
    worker_key: '',
  });
  process.stdout.write(`Response status code: ${r.status}\n`);
  if (r.status !== 200) throw new CliError(`registration failed: ${r.text || 'no answer from the seed'}`);
  process.stdout.write(
    'Participant registration successful.\nWaiting for participant to be available (timeout: 30 seconds)...\n',
  );
  for (let i = 0; i < 30; i++) {
    const g = await request('GET', `${seed}/v2/participants/${address}`);
    if (g.status === 200) {
      process.stdout.write(`Participant is now available at ${seed}/v2/participants/${address}\n`);
      return;
    }
    await sleep(1000);
  }
  throw new CliError('participant did not appear within 30 seconds');
}

async function broadcast(p: Parsed, body: Record<string, unknown>): Promise<void> {
  const from = flag(p, '--from');
  if (!from) throw new CliError('--from is required');
  const node = flag(p, '--node') ?? 'tcp://localhost:26657';
  if (!/^https?:\/\//.test(node))
    throw new CliError(`post failed: Post "${node}": dial tcp: connection refused`);
  const base = node.endsWith('/') ? node : `${node}/`;
  const chainId = flag(p, '--chain-id');
  if (chainId) {
    const st = await request('GET', `${base}status`);
    const result = isObject(st.body) && isObject(st.body.result) ? st.body.result : undefined;
    const network = result && isObject(result.node_info) ? String(result.node_info.network) : '';
    if (network && network !== chainId)
      throw new CliError(`chain-id mismatch: the node is on "${network}", not "${chainId}"`);
  }
  const kr = keyringOf(p);
  const pw = passphrase(kr, p);
  const key = kr.unlock(from, pw);
  const r = await request('POST', `${base}broadcast_tx_sync`, { tx: signTx(body, key) });
  const res = isObject(r.body) && isObject(r.body.result) ? r.body.result : undefined;
  if (!res) throw new CliError(`post failed: ${r.status ? `status ${r.status}` : r.text}`);
  process.stdout.write(
    `code: ${String(res.code)}\ncodespace: "${String(res.codespace ?? '')}"\ndata: ""\nheight: "0"\ninfo: ""\nlogs: []\nraw_log: '${String(res.log ?? '').replace(/'/g, "''")}'\ntimestamp: ""\ntx: null\ntxhash: ${String(res.hash ?? '')}\n`,
  );
  if (res.code !== 0) process.exitCode = 1;
}

async function tx(p: Parsed): Promise<void> {
  const [, module, action, ...rest] = p.positional;
  if (module === 'inference' && action === 'grant-ml-ops-permissions') {
    const [, grantee] = rest;
    if (!grantee)
      throw new CliError(
        'usage: inferenced tx inference grant-ml-ops-permissions <granter-key> <grantee-address> --from <granter-key>',
      );
    return broadcast(p, { type: 'grant-ml-ops-permissions', grantee, expiration_days: 365 });
  }
  if (module === 'collateral' && action === 'deposit-collateral') {
    const m = /^(\d+)ngonka$/.exec(rest[0] ?? '');
    if (!m?.[1]) throw new CliError('amount must look like 1000000000ngonka');
    return broadcast(p, { type: 'deposit-collateral', amount_ngonka: Number(m[1]) });
  }
  if (module === 'slashing' && action === 'unjail') return broadcast(p, { type: 'unjail' });
  throw new CliError(`unknown command "${[module, action].filter(Boolean).join(' ')}" for "inferenced tx"`);
}

async function status(p: Parsed): Promise<void> {
  const node = (flag(p, '--node') ?? process.env.DAPI_CHAIN_NODE__URL ?? 'http://localhost:26657').replace(
    /\/+$/,
    '',
  );
  const r = await request('GET', `${node}/status`);
  if (!isObject(r.body)) throw new CliError(`post failed: ${r.text}`);
  process.stdout.write(`${JSON.stringify(r.body.result)}\n`);
}

export async function runInferenced(argv: string[]): Promise<number> {
  const p = parse(argv);
  try {
    switch (p.positional[0]) {
      case 'keys':
        await keys(p);
        break;
      case 'register-new-participant':
        await registerNewParticipant(p);
        break;
      case 'tx':
        await tx(p);
        break;
      case 'status':
        await status(p);
        break;
      case 'version':
        process.stdout.write(`${process.env.SIM_CHAIN_VERSION ?? '0.2.14'}\n`);
        break;
      default:
        throw new CliError(
          `unknown command "${p.positional[0] ?? ''}" for "inferenced" (the sim implements: keys, register-new-participant, tx, status, version)`,
        );
    }
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return 1;
  }
}
