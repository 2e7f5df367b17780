/** Test-only entry: golden samples and the strict shape check derived from them. */
export { loadGolden, goldenDir, GOLDEN_SCHEMAS, type GoldenFile } from './golden.js';
export { shapeDiff, type ShapeOptions } from './shape.js';
