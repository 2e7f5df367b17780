/**
 * A realistic status report body (about 1 KB of JSON): what an agent on a 4-GPU node would send with
 * the probes of issue #6 (GPUs, disks, Docker, load). Numbers move a little between reports.
 */
export function reportBody(i: number, seq: number): Record<string, unknown> {
  const r = (lo: number, hi: number) => Math.round((lo + Math.random() * (hi - lo)) * 10) / 10;
  return {
    hostname: `gpu-node-${String(i).padStart(5, '0')}`,
    agentVersion: 'bench-agent/1',
    uptimeSeconds: 86_400 + seq * 10,
    load: [r(0, 8), r(0, 8), r(0, 8)],
    memory: { totalMiB: 515_000, usedMiB: Math.round(r(90_000, 200_000)) },
    gpus: [0, 1, 2, 3].map((g) => ({
      index: g,
      name: 'NVIDIA H100 80GB HBM3',
      uuid: `GPU-${(i * 4 + g).toString(16).padStart(8, '0')}-6c2b-4a1e-9f3d-bench`,
      utilizationPct: Math.round(r(0, 100)),
      memoryUsedMiB: Math.round(r(1_000, 80_000)),
      memoryTotalMiB: 81_559,
      temperatureC: Math.round(r(30, 80)),
      powerW: Math.round(r(60, 700)),
    })),
    disks: [
      { mount: '/', usedGiB: r(40, 60), totalGiB: 200 },
      { mount: '/data', usedGiB: r(800, 1_200), totalGiB: 3_500 },
    ],
    docker: {
      version: '27.3.1',
      running: true,
      containers: [
        { name: 'node', state: 'running', image: 'ghcr.io/product-science/inferenced:0.2.0' },
        { name: 'api', state: 'running', image: 'ghcr.io/product-science/api:0.2.0' },
        { name: 'mlnode', state: 'running', image: 'ghcr.io/product-science/mlnode:3.0.9' },
      ],
    },
  };
}
