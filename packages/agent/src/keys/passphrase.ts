import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';

type Input = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

export class PassphraseError extends Error {}

/**
 * Reads passphrases from standard input, never from argv or the environment (where `ps` and
 * /proc/<pid>/environ would show them). On a terminal, echo is off (raw mode; backspace works,
 * Ctrl-C cancels); piped, one line per passphrase, so scripts and tests can feed them.
 */
export class PassphrasePrompt {
  private lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private ended = false;
  private rl: readline.Interface | undefined;

  constructor(
    private readonly input: Input,
    /** Where prompts go (stderr: stdout stays for results). */
    private readonly prompts: Writable,
  ) {}

  async ask(prompt: string): Promise<string> {
    const line =
      this.input.isTTY && this.input.setRawMode ? await this.askTty(prompt) : await this.askPiped();
    if (line === undefined)
      throw new PassphraseError('standard input ended before a passphrase was given: type it, or pipe it in');
    return line;
  }

  close(): void {
    this.rl?.close();
  }

  private askPiped(): Promise<string | undefined> {
    if (!this.rl) {
      this.rl = readline.createInterface({ input: this.input, terminal: false, crlfDelay: Infinity });
      this.rl.on('line', (l) => {
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = undefined;
          w(l);
        } else this.lines.push(l);
      });
      this.rl.on('close', () => {
        this.ended = true;
        this.waiting?.(undefined);
        this.waiting = undefined;
      });
    }
    const next = this.lines.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  private askTty(prompt: string): Promise<string | undefined> {
    const input = this.input;
    this.prompts.write(prompt);
    input.setRawMode?.(true);
    input.resume();
    input.setEncoding('utf8');
    return new Promise((resolve, reject) => {
      let typed = '';
      const done = (err?: Error) => {
        input.off('data', onData);
        input.setRawMode?.(false);
        input.pause();
        this.prompts.write('\n');
        if (err) reject(err);
        else resolve(typed);
      };
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') return done();
          if (ch === '\u0003') return done(new PassphraseError('cancelled'));
          if (ch === '\u0004' && typed === '') return done(new PassphraseError('cancelled'));
          if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
          else if (ch >= ' ') typed += ch;
        }
      };
      input.on('data', onData);
    });
  }
}

/** Asks twice; the two must match and be long enough to resist guessing (age's scrypt slows, not stops, that). */
export async function newPassphrase(p: PassphrasePrompt, minLength = 10): Promise<string> {
  const first = await p.ask('passphrase for the backup (not shown): ');
  if (first.length < minLength)
    throw new PassphraseError(
      `the passphrase is ${first.length} characters: use at least ${minLength} (4-5 random words are good)`,
    );
  const again = await p.ask('the same passphrase again: ');
  if (again !== first)
    throw new PassphraseError('the two passphrases differ: nothing was written, run it again');
  return first;
}
