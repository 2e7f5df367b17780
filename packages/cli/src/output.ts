/**
 * Output and exit codes every `gnm` command shares: human text by default, `--json` for scripts.
 * Exit codes: 0 success, 1 the operation failed (verification refused, build problems…), 2 usage.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class CliFailure extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
    readonly code: number = EXIT.failed,
  ) {
    super(message);
  }
}

export function emit(json: boolean, human: string, data: unknown): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
}
