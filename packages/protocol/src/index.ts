export * from './messages.js';
export * from './versions.js';
export * from './handshake.js';
export * from './timing.js';
export * from './enrollment.js';
export * from './operations.js';
export * from './pinned-tls.js';
export * from './network-ops.js';
