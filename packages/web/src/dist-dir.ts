import { fileURLToPath } from 'node:url';

/** Where `vite build` writes the console (the control plane serves this folder). */
export const WEB_DIST_DIR = fileURLToPath(new URL('../dist', import.meta.url));
/** The package's root (vite's root: index.html, vite.config.ts). */
export const WEB_ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));
