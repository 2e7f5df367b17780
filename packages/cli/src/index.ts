export { registerBundleCommands } from './bundle-commands.js';
export { EXIT, CliFailure } from './output.js';
