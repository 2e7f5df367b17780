/**
 * Output and exit codes every `gnm` command shares: human text by default, `--json` for scripts.
 * Exit codes (documented in the README; scripts rely on them):
 *  - 0 success;
 *  - 1 the operation failed: the control plane answered with an error (4xx/5xx), a watched task did not
 *    succeed, verification refused, build problems…;
 *  - 2 usage or configuration error: bad arguments, not logged in, TLS pin mismatch, untrusted server;
 *  - 3 the control plane could not be reached (connection refused, DNS, timeout).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export class CliFailure extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
    readonly code: number = EXIT.failed,
    /** Machine-readable extra for `--json` (e.g. the server's problem document). */
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export function emit(json: boolean, human: string, data: unknown): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
}
