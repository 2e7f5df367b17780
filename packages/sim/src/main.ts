import { runSeed } from './roles/seed.js';
import { runNode } from './roles/node.js';
import { runTmkms } from './roles/tmkms.js';
import { runApi } from './roles/api/index.js';
import { runMlnode } from './roles/mlnode.js';
import { runInference } from './roles/inference.js';
import { runProxy } from './roles/proxy.js';
import { runBridge, runExplorer, runProxySsl, runVersiond } from './roles/misc.js';
import { runInferenced } from './cli/inferenced.js';

/**
 * Entry point of the sim image: `gnm-sim <role>`. One image, every role; the role comes from the
 * command (the override file sets it for services whose official command is the image default).
 */
const USAGE = `usage: gnm-sim <role> [args]
roles: seed | tmkms | node | api | versiond | bridge | proxy | proxy-ssl | explorer | mlnode | inference | inferenced`;

function fail(e: unknown): never {
  process.stderr.write(`gnm-sim: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
}

// As PID 1 in its container, Node ignores SIGTERM unless it handles it: without this every `docker stop`
// (compose recreate, stop, down) waits its full 10 s grace period, where the real services stop at once.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));

const [role, ...args] = process.argv.slice(2);
switch (role) {
  case 'seed':
    runSeed();
    break;
  case 'tmkms':
    runTmkms().catch(fail);
    break;
  case 'node':
    runNode().catch(fail);
    break;
  case 'api':
    runApi().catch(fail);
    break;
  case 'mlnode':
    runMlnode(args);
    break;
  case 'inference':
    runInference();
    break;
  case 'proxy':
    runProxy();
    break;
  case 'proxy-ssl':
    runProxySsl();
    break;
  case 'versiond':
    runVersiond();
    break;
  case 'bridge':
    runBridge();
    break;
  case 'explorer':
    runExplorer();
    break;
  case 'inferenced':
    runInferenced(args).then((code) => process.exit(code), fail);
    break;
  default:
    process.stderr.write(`${USAGE}\n`);
    process.exit(role ? 2 : 0);
}
