export { buildServer } from './server.js';
export { loadConfig, ConfigError, type Config } from './config.js';
