import http from 'node:http';
import { loopbackOnlySockets } from '/work/main/packages/protocol/src/testing/loopback-only.ts';
const g = loopbackOnlySockets();
for (const url of ['http://169.254.169.254/', 'http://localhost:9/']) {
  await new Promise<void>((res) => {
    try {
      const r = http.get(url, () => res());
      r.on('error', (e) => { console.log(url, '->', e.message); res(); });
    } catch (e) { console.log(url, 'threw', (e as Error).message); res(); }
  });
}
console.log('blocked', g.blocked);
