import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Command, Option } from 'commander';

/**
 * The host-only key commands (issue #7): `gnm-agent backup` and `gnm-agent restore`. Run by the
 * operator on the host; nothing here talks to the control plane, and passphrases come from standard
 * input only (never argv, never the environment). Their modules load on use, as the daemon never runs them.
 * Exit codes as the other commands: 0 done, 1 refused, 2 usage.
 */
export function addKeyCommands(
  program: Command,
  o: { stateDir: Option; stacksRoot: Option; json: Option },
): void {
  program
    .command('backup')
    .description(
      "encrypt this host's key material (tmkms keys, keyring, node key, keyring password) into a file",
    )
    .option('--recipient <age1…>', "encrypt to this age public key (the operator's)")
    .option('--passphrase', 'encrypt with a passphrase typed here (asked twice on standard input)')
    .option('--out <file>', 'where to write it (default: <state dir>/backups/gnm-keys-<host>-<time>.age)')
    .addOption(o.stateDir)
    .addOption(o.stacksRoot)
    .addOption(o.json)
    .action(async (opts: BackupCliOptions) => {
      process.exitCode = await backupCommand(opts, stdio());
    });

  program
    .command('restore')
    .description('write the key material of a backup onto this host (refused while the old validator signs)')
    .argument('<file>', 'the .age backup')
    .option('--identity <file>', 'age identity file (AGE-SECRET-KEY-1…) for a backup made to a recipient')
    .option('--passphrase', 'the backup was made with a passphrase (asked on standard input)')
    .option('--force', 'replace different key material on this host (moved aside, not deleted)')
    .option('--rpc <url>', "a CometBFT RPC of the network (default: the release's SEED_NODE_RPC_URL)")
    .option('--blocks <n>', 'how many recent blocks the old validator must be absent from', '20')
    .option(
      '--offline-old-host-is-stopped',
      'the network cannot be reached from here and you are sure the old host is stopped: restore without asking',
    )
    .addOption(o.stateDir)
    .addOption(o.stacksRoot)
    .action(async (file: string, opts: RestoreCliOptions) => {
      process.exitCode = await restoreCommand(file, opts, stdio());
    });
}

export interface CliIO {
  input: Readable;
  /** Results (stdout). */
  out: (line: string) => void;
  /** Prompts, progress and errors (stderr). */
  err: Writable;
  /** This host's running `join` services (default: asked from Docker). */
  runningServices?: () => Promise<string[]>;
}

function stdio(): CliIO {
  return { input: process.stdin, out: (l) => console.log(l), err: process.stderr };
}

export interface BackupCliOptions {
  recipient?: string;
  passphrase?: boolean;
  out?: string;
  stateDir: string;
  stacksRoot: string;
  json?: boolean;
  /** Not a command-line option: tests lower age's scrypt work factor to stay fast. */
  scryptLogN?: number;
}

export async function backupCommand(o: BackupCliOptions, io: CliIO): Promise<number> {
  const fail = (code: number, msg: string) => (io.err.write(`${msg}\n`), code);
  if (Boolean(o.recipient) === Boolean(o.passphrase))
    return fail(2, 'give either --recipient age1… (your age public key) or --passphrase (typed here)');
  const { PassphrasePrompt, PassphraseError, newPassphrase } = await import('./passphrase.js');
  const { writeBackup, backupsDir } = await import('./backup.js');
  const { MaterialError, rootsFor } = await import('./material.js');
  let target: { recipient: string } | { passphrase: string };
  if (o.recipient) target = { recipient: o.recipient };
  else {
    const prompt = new PassphrasePrompt(io.input, io.err);
    try {
      target = { passphrase: await newPassphrase(prompt) };
    } catch (e) {
      if (e instanceof PassphraseError) return fail(2, e.message);
      throw e;
    } finally {
      prompt.close();
    }
  }
  try {
    const r = await writeBackup({
      roots: rootsFor(o.stacksRoot, o.stateDir),
      backupsDir: backupsDir(o.stateDir),
      out: o.out,
      target,
      scryptLogN: o.scryptLogN,
      emit: (e) => {
        if (e.log) io.err.write(`${e.log}\n`);
      },
    });
    if (o.json) io.out(JSON.stringify(r));
    else {
      io.out(`wrote ${r.file}`);
      io.out(`  ${r.bytes} bytes, sha256 ${r.sha256}, encrypted to ${r.recipient}`);
      io.out(`  validator ${r.consensusAddress ?? '?'}; holds: ${r.contents.join(', ')}`);
      io.out(`copy it off this host, e.g. from your machine: scp root@<this host>:${r.file} .`);
      io.out('and check the copy: sha256sum gnm-keys-….age (same digest as above)');
    }
    return 0;
  } catch (e) {
    if (e instanceof MaterialError) return fail(1, e.message);
    throw e;
  }
}

export interface RestoreCliOptions {
  identity?: string;
  passphrase?: boolean;
  force?: boolean;
  rpc?: string;
  blocks: string;
  offlineOldHostIsStopped?: boolean;
  stateDir: string;
  stacksRoot: string;
}

export async function restoreCommand(file: string, o: RestoreCliOptions, io: CliIO): Promise<number> {
  const fail = (code: number, msg: string) => (io.err.write(`${msg}\n`), code);
  if (o.identity && o.passphrase) return fail(2, 'give --identity FILE or --passphrase, not both');
  const blocks = Number(o.blocks);
  if (!Number.isInteger(blocks) || blocks < 1 || blocks > 1000) return fail(2, '--blocks must be 1-1000');
  if (o.rpc && !/^https?:\/\/[^\s]+$/.test(o.rpc))
    return fail(2, `--rpc must be an http(s) URL, got "${o.rpc}"`);
  let sealed: Buffer;
  try {
    sealed = fs.readFileSync(file);
  } catch (e) {
    return fail(2, `cannot read ${file}: ${(e as Error).message}`);
  }
  const { PassphrasePrompt, PassphraseError } = await import('./passphrase.js');
  const { RestoreRefused, restoreKeys, isPassphraseFile, parseIdentityFile } = await import('./restore.js');
  const { rootsFor } = await import('./material.js');

  let unlock: { identities: string[] } | { passphrase: string };
  if (o.identity) {
    let ids: string[];
    try {
      ids = parseIdentityFile(fs.readFileSync(o.identity, 'utf8'));
    } catch (e) {
      return fail(2, `cannot read the identity file ${o.identity}: ${(e as Error).message}`);
    }
    if (!ids.length) return fail(2, `${o.identity} holds no age identity (a line AGE-SECRET-KEY-1…)`);
    unlock = { identities: ids };
  } else if (o.passphrase || isPassphraseFile(sealed)) {
    const prompt = new PassphrasePrompt(io.input, io.err);
    try {
      unlock = { passphrase: await prompt.ask('passphrase of the backup (not shown): ') };
    } catch (e) {
      if (e instanceof PassphraseError) return fail(2, e.message);
      throw e;
    } finally {
      prompt.close();
    }
  } else
    return fail(
      2,
      `${file} is encrypted to an age public key: pass --identity FILE (its AGE-SECRET-KEY-1… file)`,
    );

  const rpcUrl = o.rpc ?? (await seedRpcOf(o.stacksRoot));
  try {
    const r = await restoreKeys({
      file,
      roots: rootsFor(o.stacksRoot, o.stateDir),
      unlock,
      force: Boolean(o.force),
      replacedDir: path.join(
        o.stateDir,
        'backups',
        `replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`,
      ),
      rpcUrl,
      offlineOldHostIsStopped: Boolean(o.offlineOldHostIsStopped),
      blocks,
      runningServices: io.runningServices ?? (() => runningServices(io)),
      print: (l) => io.out(l),
    });
    if (r.written.length)
      io.out(
        'next: deploy the network node on this host (gnm node deploy); tmkms, the node and the api use the restored keys, and the warm key is kept',
      );
    return 0;
  } catch (e) {
    if (e instanceof RestoreRefused) return fail(1, `restore refused: ${e.message}`);
    throw e;
  }
}

/** SEED_NODE_RPC_URL of the release this host runs, if one is rendered here. */
async function seedRpcOf(stacksRoot: string): Promise<string | undefined> {
  const { StackLayout } = await import('@gnm/bundle');
  const layout = new StackLayout(stacksRoot);
  const current = layout.current();
  if (!current) return undefined;
  try {
    const { releaseEnv } = await import('../stack/release-record.js');
    return releaseEnv(layout.projectDir(current)).SEED_NODE_RPC_URL || undefined;
  } catch {
    return undefined;
  }
}

async function runningServices(io: CliIO): Promise<string[]> {
  const { DockerApi } = await import('../compose/docker-api.js');
  try {
    const list = await new DockerApi().projectContainers('join');
    return list.filter((c) => c.state === 'running').map((c) => c.service);
  } catch (e) {
    io.err.write(
      `could not ask Docker which containers run (${(e as Error).message}): make sure this host's tmkms is not running\n`,
    );
    return [];
  }
}
