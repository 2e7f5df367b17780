export { registerBundleCommands } from './bundle-commands.js';
export { registerApiCommands } from './api-commands.js';
export { Api, publicGet } from './client.js';
export { configPath, connection, effectiveConfig, type Connection, type SavedConfig } from './config.js';
export { EXIT, CliFailure } from './output.js';
