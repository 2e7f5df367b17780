export * from './test-agent.js';
