export * from './test-agent.js';
export * from './fuzz-frames.js';
