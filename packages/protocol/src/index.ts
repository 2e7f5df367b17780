export * from './messages.js';
export * from './versions.js';
export * from './handshake.js';
export * from './timing.js';
