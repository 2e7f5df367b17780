import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The console's build: one HTML page, hashed assets under /assets/ (served immutable by the control
 * plane), no inline script (the Content-Security-Policy forbids them) and nothing loaded from outside.
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Never inline small assets as data: URLs into scripts; keep them files under the CSP's 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
  },
});
