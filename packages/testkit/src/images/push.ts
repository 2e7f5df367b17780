import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../exec.js';

export interface PushedImage {
  /** registry/repo:tag */
  tagRef: string;
  /** registry/repo@sha256:… */
  digestRef: string;
  digest: string;
}

/**
 * Copies an image from the main dockerd to the harness registry with skopeo. The main dockerd is left
 * alone (its daemon.json does not list the harness registry), so `docker push` cannot be used.
 */
export async function pushImage(localRef: string, registry: string, repoTag: string): Promise<PushedImage> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-push-'));
  const digestFile = path.join(tmp, 'digest');
  try {
    const tagRef = `${registry}/${repoTag}`;
    await run(
      'skopeo',
      [
        'copy',
        '--quiet',
        '--dest-tls-verify=false',
        '--digestfile',
        digestFile,
        `docker-daemon:${localRef}`,
        `docker://${tagRef}`,
      ],
      { context: `push ${localRef} to the harness registry`, timeoutMs: 300_000 },
    );
    const digest = fs.readFileSync(digestFile, 'utf8').trim();
    const repo = tagRef.slice(0, tagRef.lastIndexOf(':'));
    return { tagRef, digestRef: `${repo}@${digest}`, digest };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
