#!/usr/bin/env -S node --import tsx
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Builds gnm-agent as one executable (issue #6): esbuild bundles the agent into one CommonJS file,
 * Node's single-executable-application support turns it into a blob, postject injects the blob into a
 * copy of this Node binary. The host then needs no Node; nothing is downloaded (works offline).
 * Prints the output path and its sha256 (the digest the installer checks).
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ENTRY = path.resolve(HERE, '../main.ts');
const execFileAsync = promisify(execFile);
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export async function buildExecutable(
  outDir: string,
): Promise<{ file: string; sha256: string; bytes: number }> {
  fs.mkdirSync(outDir, { recursive: true });
  const bundle = path.join(outDir, 'gnm-agent.cjs');
  await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: bundle,
    logLevel: 'warning',
    // import.meta is empty in CommonJS: a module that needs it (a fixtures loader pulled in through a
    // package index) would crash the executable at start, so the build fails instead.
    logOverride: { 'empty-import-meta': 'error' },
    // ws tries optional native add-ons at run time; a single executable can load only built-ins.
    define: { 'process.env.WS_NO_BUFFER_UTIL': '"1"', 'process.env.WS_NO_UTF_8_VALIDATE': '"1"' },
  });
  const blob = path.join(outDir, 'sea-prep.blob');
  const config = path.join(outDir, 'sea-config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true }),
  );
  // Asynchronous: the control plane builds this in the background at start and keeps serving meanwhile.
  const run = async (file: string, args: string[]) => {
    try {
      await execFileAsync(file, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; message: string };
      throw new Error(
        `${path.basename(file)} ${args[0] ?? ''} failed: ${err.stderr || err.stdout || err.message}`,
      );
    }
  };
  await run(process.execPath, ['--experimental-sea-config', config]);
  const file = path.join(outDir, 'gnm-agent');
  fs.copyFileSync(fs.realpathSync(process.execPath), file);
  fs.chmodSync(file, 0o755);
  const postject = path.resolve(HERE, '../../../../node_modules/postject/dist/cli.js');
  await run(process.execPath, [postject, file, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE]);
  for (const f of [bundle, blob, config]) fs.rmSync(f);
  const data = fs.readFileSync(file);
  return { file, sha256: crypto.createHash('sha256').update(data).digest('hex'), bytes: data.length };
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? path.resolve(HERE, '../../dist');
  const r = await buildExecutable(out);
  console.log(`${r.file}\nsha256 ${r.sha256}\n${Math.round(r.bytes / 1e6)} MB`);
}
