#!/usr/bin/env -S node --import tsx
import { Command, CommanderError } from 'commander';
import { registerApiCommands } from './api-commands.js';
import { registerBundleCommands } from './bundle-commands.js';
import { CliFailure, EXIT } from './output.js';

/**
 * `gnm`: the command-line client. The control plane API with a token (login, hosts, tasks, bundle
 * import/list, audit), and offline bundle building and signing (`gnm bundle keys|build|sign|…`).
 */
const program = new Command('gnm')
  .description('Gonka Node Manager command-line client')
  .option('--json', 'machine-readable output (NDJSON for `tasks watch`)')
  .addHelpText(
    'after',
    `
Exit codes: 0 success; 1 the operation failed (the control plane refused it, a watched task did not
succeed); 2 usage or configuration error (bad arguments, not logged in, TLS pin mismatch); 3 the
control plane could not be reached.
Configuration: $GNM_CONFIG or ~/.config/gnm/config.json (written by \`gnm login\`); GNM_URL,
GNM_TOKEN and GNM_TLS_PIN override it.`,
  )
  .exitOverride()
  .showHelpAfterError();
registerApiCommands(program, registerBundleCommands(program));

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (e instanceof CliFailure) {
    // Humans read stderr; with --json, scripts also get the error (and the server's problem) on stdout.
    process.stderr.write(
      `gnm: ${e.message}${e.details.length ? `\n${e.details.map((d) => `  - ${d}`).join('\n')}` : ''}\n`,
    );
    if (process.argv.includes('--json'))
      process.stdout.write(
        `${JSON.stringify({ error: e.message, details: e.details, exitCode: e.code, ...(e.data !== undefined ? { problem: e.data } : {}) }, null, 2)}\n`,
      );
    process.exitCode = e.code;
  } else {
    process.stderr.write(`gnm: ${(e as Error).message}\n`);
    process.exitCode = EXIT.failed;
  }
}
