import fs from 'node:fs';
import path from 'node:path';

/** The data folder cannot be made private; the message says what to do. */
export class DataDirError extends Error {
  override name = 'DataDirError';
}

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

/**
 * Makes `dir` a folder only this user can enter: created 0700, or — existing with group or other
 * bits, as an earlier version, a `mkdir -p` or a sim demo may have left it — changed to 0700. A folder
 * of another user or with the sticky bit (a shared folder such as /tmp) is refused rather than changed:
 * it is not the control plane's to change. Returns a sentence when it changed the mode.
 */
export function ensurePrivateDir(dir: string): string | undefined {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  if (!st.isDirectory()) throw new DataDirError(`${dir} is not a folder: set GNM_DATA_DIR to a folder`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw new DataDirError(
      `the data folder ${dir} belongs to another user (uid ${st.uid}): run the control plane as that user, or set GNM_DATA_DIR to a folder of its own`,
    );
  if (st.mode & 0o1000)
    throw new DataDirError(
      `the data folder ${dir} is a shared folder (sticky bit, mode ${octal(st.mode)}): set GNM_DATA_DIR to a folder of its own`,
    );
  if ((st.mode & 0o077) === 0) return undefined;
  try {
    fs.chmodSync(dir, 0o700);
  } catch (e) {
    throw new DataDirError(
      `the data folder ${dir} is open to other users (mode ${octal(st.mode)}) and cannot be changed (${(e as Error).message}): run \`chmod 700 ${dir}\``,
    );
  }
  return `the data folder ${dir} was open to other users (mode ${octal(st.mode)}): changed to 0700`;
}

/** Makes an existing file readable by this user only (0600); returns a sentence when it changed it. */
export function ensurePrivateFile(file: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  if ((st.mode & 0o077) === 0) return undefined;
  try {
    fs.chmodSync(file, 0o600);
  } catch (e) {
    throw new DataDirError(
      `${file} is readable by other users (mode ${octal(st.mode)}) and cannot be changed (${(e as Error).message}): run \`chmod 600 ${file}\``,
    );
  }
  return `${file} was readable by other users (mode ${octal(st.mode)}): changed to 0600`;
}

/** The files in the data folder that hold secrets or private data (the TLS certificate is public). */
export const PRIVATE_DATA_FILES = [
  'control-plane.sqlite',
  'control-plane.sqlite-wal',
  'control-plane.sqlite-shm',
  'identity.key',
  'secret.key',
  path.join('tls', 'key.pem'),
];

/**
 * At start: the data folder 0700 and every private file in it 0600 (and the self-signed TLS folder
 * 0700). Returns what it changed, for the start-up log.
 */
export function securePrivateDataDir(dataDir: string): string[] {
  const changed = [ensurePrivateDir(dataDir)];
  if (fs.existsSync(path.join(dataDir, 'tls'))) changed.push(ensurePrivateDir(path.join(dataDir, 'tls')));
  for (const f of PRIVATE_DATA_FILES) changed.push(ensurePrivateFile(path.join(dataDir, f)));
  return changed.filter((c) => c !== undefined);
}
