import type { Architecture } from './gpu-catalog.js';

/**
 * The ML node image. It comes from the signed bundle's compose file (an agent runs only signed content,
 * DESIGN invariant 3), so the recommender does not invent one: it says which image the bundle will run
 * on this architecture and picks only models that image can serve.
 *
 * The official v0.2.14 `docker-compose.mlnode.yml` has one image for every architecture,
 * `ghcr.io/gonka-ai/mlnode:3.0.14-post2`; its commented-out `…:3.0.12-post6-blackwell` is the last of
 * the separate Blackwell tags (reference §1.3). From 3.0.16 the default build is CUDA 13 with a
 * `-cu129` fallback tag for older drivers.
 */
export const DEFAULT_MLNODE_IMAGE = 'ghcr.io/gonka-ai/mlnode:3.0.14-post2';

/** A bundle may name per-architecture variants (e.g. a Blackwell build); `default` serves the rest. */
export interface MlnodeImages {
  default: string;
  byArchitecture?: Partial<Record<Architecture, string>>;
}

/** `ghcr.io/gonka-ai/mlnode:3.0.14-post2` → [3, 0, 14]; undefined for a tag without a version. */
export function mlnodeVersion(image: string): [number, number, number] | undefined {
  const m = /:(\d+)\.(\d+)\.(\d+)/.exec(image);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function versionAtLeast(have: readonly number[], want: string): boolean {
  const w = want.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const a = have[i] ?? 0;
    const b = w[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

export function chooseMlnodeImage(
  images: string | MlnodeImages | undefined,
  arch: Architecture,
): { image: string; reason: string } {
  const set: MlnodeImages =
    typeof images === 'string' ? { default: images } : (images ?? { default: DEFAULT_MLNODE_IMAGE });
  const variant = set.byArchitecture?.[arch];
  if (variant) return { image: variant, reason: `the bundle's ${arch} build of the ML node` };
  const v = mlnodeVersion(set.default);
  const cuda13 = v && versionAtLeast(v, '3.0.16') && !/-cu12\d/.test(set.default);
  return {
    image: set.default,
    reason:
      `the bundle ships one ML node image for every architecture (${arch} included); the separate ` +
      `-blackwell tags ended with 3.0.12-post6` +
      (cuda13
        ? '; this CUDA 13 build needs NVIDIA driver 580 or newer (the -cu129 tag is the fallback)'
        : ''),
  };
}
