export * from './test-agent.js';
export * from './fuzz-frames.js';
export * from './loopback-only.js';
