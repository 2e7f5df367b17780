import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import * as tar from 'tar';
import {
  BuildError,
  Repository,
  buildBundle,
  generateKey,
  publishBundle,
  readKeys,
  writeKey,
  ROLES,
  type RoleName,
  type SigningKey,
} from '@gnm/bundle';
import { CliFailure, emit } from './output.js';

function keysFor(dir: string, role: RoleName, needPrivate = true): SigningKey[] {
  const ks = readKeys(dir, role).filter((k) => !needPrivate || k.privatePem);
  if (ks.length === 0) {
    throw new CliFailure(`no ${role} key${needPrivate ? ' with its private part' : ''} in ${dir}`, [
      role === 'root' || role === 'targets'
        ? `${role} keys are offline keys: run this on the machine that holds them`
        : `copy the ${role} key to ${dir}`,
    ]);
  }
  return ks;
}

function sha256File(f: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
}

const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliFailure(`"${v}" is not a positive integer`, [], 2);
  return n;
};

/**
 * `gnm bundle …`: offline bundle building and signing for a release authority. Returns the `bundle`
 * command so the control-plane subcommands (import, list, trust) can join it.
 */
export function registerBundleCommands(program: Command): Command {
  const bundle = program
    .command('bundle')
    .alias('bundles')
    .description(
      'signed stack bundles (TUF): keys, build, sign, publish, rotate and export work offline; import, list and trust talk to the control plane',
    );
  const json = (): boolean => program.opts<{ json?: boolean }>().json === true;

  bundle
    .command('keys')
    .description('manage the repository keys')
    .command('init')
    .description('create root, targets, snapshot and timestamp keys and the first root.json')
    .requiredOption('--repo <dir>', 'TUF repository folder to create')
    .requiredOption('--keys <dir>', 'folder for the new keys (keep root and targets keys offline)')
    .option('--root-keys <n>', 'number of root keys', int, 1)
    .option('--root-threshold <n>', 'root signatures required', int, 1)
    .option('--targets-keys <n>', 'number of targets keys', int, 1)
    .option('--targets-threshold <n>', 'targets signatures required', int, 1)
    .action(
      (o: {
        repo: string;
        keys: string;
        rootKeys: number;
        rootThreshold: number;
        targetsKeys: number;
        targetsThreshold: number;
      }) => {
        if (o.rootThreshold > o.rootKeys || o.targetsThreshold > o.targetsKeys)
          throw new CliFailure('a threshold cannot be larger than the number of keys', [], 2);
        const keys = {
          root: Array.from({ length: o.rootKeys }, () => generateKey('root')),
          targets: Array.from({ length: o.targetsKeys }, () => generateKey('targets')),
          snapshot: [generateKey('snapshot')],
          timestamp: [generateKey('timestamp')],
        };
        for (const role of ROLES) for (const k of keys[role]) writeKey(o.keys, k);
        const repo = Repository.init(o.repo, keys, { root: o.rootThreshold, targets: o.targetsThreshold });
        const rootSha256 = sha256File(repo.rootFile(1));
        emit(
          json(),
          `created ${o.repo} and keys in ${o.keys}\n  root.json sha256 (the pin hosts trust): ${rootSha256}\n  move the root and targets keys (*.key.pem) to offline storage; only snapshot and timestamp keys go to the control plane`,
          {
            repo: o.repo,
            keys: o.keys,
            rootSha256,
            keyIds: Object.fromEntries(ROLES.map((r) => [r, keys[r].map((k) => k.keyId)])),
          },
        );
      },
    );

  bundle
    .command('build')
    .description('turn the official deploy/join files into a bundle')
    .requiredOption('--from <dir>', 'the deploy/join folder of a Gonka release')
    .requiredOption('--manifest <file>', 'the manifest source (parameters, health checks, …)')
    .requiredOption('--out <dir>', 'output folder (must not exist)')
    .option(
      '--override <file>',
      'an override compose file (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      '--file <dest=src>',
      'source of an extra file of the manifest (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .action((o: { from: string; manifest: string; out: string; override: string[]; file: string[] }) => {
      const files: Record<string, string> = {};
      for (const f of o.file) {
        const i = f.indexOf('=');
        if (i <= 0) throw new CliFailure(`--file ${f}: expected dest=src`, [], 2);
        files[f.slice(0, i)] = f.slice(i + 1);
      }
      try {
        const m = buildBundle({
          from: o.from,
          manifest: o.manifest,
          out: o.out,
          overrides: o.override,
          files,
        });
        emit(
          json(),
          `built ${m.name} ${m.version}: ${Object.keys(m.services).length} services, ${Object.keys(m.files).length} files → ${o.out}`,
          {
            name: m.name,
            version: m.version,
            out: o.out,
            services: m.services,
          },
        );
      } catch (e) {
        if (e instanceof BuildError) throw new CliFailure('the bundle was not built', e.problems);
        throw e;
      }
    });

  bundle
    .command('sign')
    .description('sign a built bundle into the repository targets (offline targets keys)')
    .requiredOption('--repo <dir>', 'TUF repository folder')
    .requiredOption('--keys <dir>', 'folder holding targets private keys')
    .option('--bundle <dir>', 'bundle folder to add')
    .option('--append', 'add your signature to the latest targets (threshold signing)')
    .action((o: { repo: string; keys: string; bundle?: string; append?: boolean }) => {
      const repo = new Repository(o.repo);
      const signers = keysFor(o.keys, 'targets');
      const md = o.append
        ? repo.appendTargetsSignatures(signers)
        : o.bundle
          ? (publishBundle(repo, o.bundle, signers), repo.targets())
          : undefined;
      if (!md)
        throw new CliFailure('give --bundle <dir> to add a bundle, or --append to add a signature', [], 2);
      const threshold = repo.root().signed.roles.targets?.threshold ?? 1;
      const have = Object.keys(md.signatures).length;
      emit(
        json(),
        `targets v${md.signed.version} signed (${have}/${threshold} signatures)${have < threshold ? `: ${threshold - have} more holder(s) must run \`gnm bundle sign --append\`` : ''}`,
        { targetsVersion: md.signed.version, signatures: have, threshold },
      );
    });

  bundle
    .command('publish')
    .description(
      'new snapshot and timestamp over the latest targets (online keys; the control plane does this too)',
    )
    .requiredOption('--repo <dir>', 'TUF repository folder')
    .requiredOption('--keys <dir>', 'folder holding the snapshot and timestamp keys')
    .action((o: { repo: string; keys: string }) => {
      new Repository(o.repo).publish(keysFor(o.keys, 'snapshot'), keysFor(o.keys, 'timestamp'));
      emit(json(), `published ${o.repo}`, { repo: o.repo });
    });

  bundle
    .command('rotate')
    .description('replace the keys of a role with a new root version (signed by old and new root keys)')
    .requiredOption('--repo <dir>', 'TUF repository folder')
    .requiredOption('--keys <dir>', 'folder holding the current root private keys')
    .requiredOption('--role <role>', 'root, targets, snapshot or timestamp')
    .requiredOption('--new-keys <dir>', 'folder to create the new keys in')
    .option('--count <n>', 'number of new keys', int, 1)
    .option('--threshold <n>', 'signatures required', int, 1)
    .action(
      (o: {
        repo: string;
        keys: string;
        role: string;
        newKeys: string;
        count: number;
        threshold: number;
      }) => {
        if (!(ROLES as readonly string[]).includes(o.role))
          throw new CliFailure(`unknown role ${o.role}`, [], 2);
        const role = o.role as RoleName;
        const fresh = Array.from({ length: o.count }, () => generateKey(role));
        for (const k of fresh) writeKey(o.newKeys, k);
        const signers = [...keysFor(o.keys, 'root'), ...(role === 'root' ? fresh : [])];
        const md = new Repository(o.repo).rotate(role, fresh, o.threshold, signers);
        emit(
          json(),
          `root v${md.signed.version}: ${role} now has ${fresh.length} key(s), threshold ${o.threshold}`,
          { rootVersion: md.signed.version },
        );
      },
    );

  bundle
    .command('export')
    .description('write the signed repository (metadata and targets) as one archive')
    .requiredOption('--repo <dir>', 'TUF repository folder')
    .requiredOption('--out <file>', 'archive to write (.tar.gz)')
    .action(async (o: { repo: string; out: string }) => {
      const repo = new Repository(o.repo);
      if (!fs.existsSync(path.join(repo.layout.metadataDir, 'timestamp.json'))) {
        throw new CliFailure('the repository has no timestamp yet', [
          'run `gnm bundle publish` (or let the control plane do it) first',
        ]);
      }
      await tar.create({ gzip: true, file: o.out, cwd: o.repo, portable: true }, ['metadata', 'targets']);
      emit(json(), `exported ${o.repo} → ${o.out} (sha256 ${sha256File(o.out)})`, {
        out: o.out,
        sha256: sha256File(o.out),
      });
    });
  return bundle;
}
