import fs from 'node:fs';
import { HarnessPrerequisiteError } from './errors.js';
import { exec } from './exec.js';
import { DOCKER_BIN } from './paths.js';

const FIX =
  'Run `sudo bash scripts/install-test-deps.sh` (it installs everything the harness needs), then retry.';

/**
 * Checks what the harness needs and fails loudly with the reason: tests that need namespaces and
 * dockerd never pass by skipping.
 */
export async function checkHarnessPrerequisites(): Promise<void> {
  const problems: string[] = [];
  if (process.getuid?.() !== 0)
    problems.push('the harness needs root (network and mount namespaces, dockerd)');
  for (const bin of ['/usr/sbin/dockerd', '/usr/bin/docker-registry', DOCKER_BIN, '/usr/bin/skopeo']) {
    if (!fs.existsSync(bin)) problems.push(`${bin} is missing`);
  }
  for (const cmd of ['ip', 'nsenter', 'unshare', 'mount', 'iptables', 'iptables-save', 'curl']) {
    if ((await exec('sh', ['-c', 'command -v "$1"', 'sh', cmd])).exitCode !== 0)
      problems.push(`command ${cmd} is missing`);
  }
  if (fs.existsSync(DOCKER_BIN) && (await exec(DOCKER_BIN, ['compose', 'version'])).exitCode !== 0) {
    problems.push('Docker Compose v2 (the CLI plugin) is missing');
  }
  if (!fs.readFileSync('/proc/filesystems', 'utf8').includes('overlay')) {
    problems.push('the kernel has no overlay filesystem');
  }
  if (problems.length) {
    throw new HarnessPrerequisiteError(
      `the multi-host test harness cannot run here:\n- ${problems.join('\n- ')}\n${FIX}`,
    );
  }
}
