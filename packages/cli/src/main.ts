#!/usr/bin/env -S node --import tsx
import { Command, CommanderError } from 'commander';
import { registerBundleCommands } from './bundle-commands.js';
import { CliFailure, EXIT } from './output.js';

/** `gnm`: the command-line client. Today: offline bundle building and signing (`gnm bundle …`). */
const program = new Command('gnm')
  .description('Gonka Node Manager command-line client')
  .option('--json', 'machine-readable output')
  .exitOverride()
  .showHelpAfterError();
registerBundleCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (e instanceof CliFailure) {
    const json = process.argv.includes('--json');
    if (json) process.stdout.write(`${JSON.stringify({ error: e.message, details: e.details }, null, 2)}\n`);
    else
      process.stderr.write(
        `gnm: ${e.message}${e.details.length ? `\n${e.details.map((d) => `  - ${d}`).join('\n')}` : ''}\n`,
      );
    process.exitCode = e.code;
  } else {
    process.stderr.write(`gnm: ${(e as Error).message}\n`);
    process.exitCode = EXIT.failed;
  }
}
