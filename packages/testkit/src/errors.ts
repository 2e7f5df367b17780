/** A machine prerequisite of the harness is missing. The message says what to install or change. */
export class HarnessPrerequisiteError extends Error {
  override name = 'HarnessPrerequisiteError';
}

/** A command run by the harness failed; carries what it printed so the test output shows why. */
export class HarnessCommandError extends Error {
  override name = 'HarnessCommandError';
  constructor(
    readonly command: readonly string[],
    readonly exitCode: number | undefined,
    readonly stdout: string,
    readonly stderr: string,
    context?: string,
  ) {
    super(
      `${context ? `${context}: ` : ''}\`${command.join(' ')}\` exited ${exitCode ?? 'by signal'}` +
        (stderr.trim() ? `\n${stderr.trim().slice(-2000)}` : '') +
        (!stderr.trim() && stdout.trim() ? `\n${stdout.trim().slice(-2000)}` : ''),
    );
  }
}
