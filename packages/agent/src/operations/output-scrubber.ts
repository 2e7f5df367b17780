import fs from 'node:fs';
import { detectColdKey, isRecoveryPhrase } from '@gnm/gonka/cold-key-guard';
import { SecretStore } from '../stack/secret-store.js';

/**
 * The one scrubber for what programs print (DESIGN invariant 5): every line of a command's output
 * passes through it before it becomes anything that is kept — a task event, an operation's error, the
 * journal, a log line. It removes the secret values in play for that command (what went to its stdin:
 * the keyring password; the host's stored secrets: a warm key's recovery phrase) and anything the
 * cold-key detector recognises, a BIP-39 phrase anywhere in a line or a bare 32-byte hex key, even when
 * nobody knew the value beforehand (a phrase a failing `keys add` just generated).
 */
export const REDACTED = '[redacted]';
export const WITHHELD = '[line withheld: it held key material]';

/** Lengths of BIP-39 phrases, longest first (a 24-word phrase is found whole, not as a 12-word part). */
const PHRASE_LENGTHS = [24, 21, 18, 15, 12];
/** Longer texts are cut before scanning (a cut text can only lose text, never reveal it). */
const MAX_TEXT = 256 * 1024;
/** A 64-hex run not glued to more hex; digests and hashes that name themselves are public. */
const HEX32 = /(?<![0-9A-Fa-f])(?:0[xX])?[0-9A-Fa-f]{64}(?![0-9A-Fa-f])/g;
const PUBLIC_HEX_BEFORE = /(?:sha256:|sha256=|hash["']?\s*[:=]\s*["']?|digest["']?\s*[:=]\s*["']?)$/i;

export type Scrub = (text: string) => string;

/** Known secret values worth looking for: short strings would match ordinary text. */
function usable(secrets: readonly string[]): string[] {
  return [...new Set(secrets.flatMap((s) => s.split('\n')).map((s) => s.trim()))].filter(
    (s) => s.length >= 8,
  );
}

function redactPhrases(line: string): string {
  const words = [...line.matchAll(/[\p{L}]+/gu)].map((m) => ({
    word: m[0],
    start: m.index,
    end: m.index + m[0].length,
  }));
  const spans: [number, number][] = [];
  for (let i = 0; i < words.length;) {
    const n = PHRASE_LENGTHS.find(
      (len) => i + len <= words.length && isRecoveryPhrase(words.slice(i, i + len).map((w) => w.word)),
    );
    if (n === undefined) {
      i++;
      continue;
    }
    spans.push([words[i]?.start ?? 0, words[i + n - 1]?.end ?? line.length]);
    i += n;
  }
  let out = line;
  for (const [a, b] of spans.reverse()) out = `${out.slice(0, a)}${REDACTED}${out.slice(b)}`;
  return out;
}

function redactHex(line: string): string {
  return line.replace(HEX32, (hex, offset: number) =>
    PUBLIC_HEX_BEFORE.test(line.slice(Math.max(0, offset - 24), offset)) ? hex : REDACTED,
  );
}

/**
 * Scrubs a text (a command's output, an error message built from it): known values first (even one
 * spread over lines), then recovery phrases anywhere — across line breaks too, as a wrapped phrase —
 * then raw hex keys per line; an armored export or a key file withholds its lines whole.
 */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  let t = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
  for (const s of usable(secrets)) t = t.split(s).join(REDACTED);
  t = redactPhrases(t);
  let withhold = 0;
  let inArmor = false;
  return t
    .split('\n')
    .map((line) => {
      if (inArmor) {
        if (/-----END /.test(line)) inArmor = false;
        return WITHHELD;
      }
      const hit = detectColdKey(line);
      if (hit?.kind === 'armored-key') {
        inArmor = !/-----END /.test(line);
        return WITHHELD;
      }
      if (hit?.kind === 'key-file') {
        // The key's value may sit on the lines after its name in a pretty-printed key file.
        withhold = 3;
        return WITHHELD;
      }
      if (withhold > 0) {
        withhold--;
        return WITHHELD;
      }
      return redactHex(line);
    })
    .join('\n');
}

/** One line of output (a progress line about to become a task event). */
export function scrubLine(line: string, secrets: readonly string[] = []): string {
  return scrubText(line, secrets);
}

/** A scrubber bound to the secrets of one command or one host. */
export function scrubber(secrets: readonly string[] | (() => readonly string[]) = []): Scrub {
  return (text) => scrubText(text, typeof secrets === 'function' ? secrets() : secrets);
}

/**
 * The scrubber of the agent's operations: it knows every value in the host's secret store (read again
 * whenever the store's folder changes, e.g. once `keys add` stored a new phrase).
 */
export function hostScrubber(secretsDir: string): Scrub {
  const store = new SecretStore(secretsDir);
  let cache: { mtimeMs: number; values: string[] } | undefined;
  const values = (): string[] => {
    let mtimeMs = -1;
    try {
      mtimeMs = fs.statSync(secretsDir).mtimeMs;
    } catch {
      // no store yet: nothing stored to look for
    }
    if (cache?.mtimeMs !== mtimeMs || mtimeMs < 0) cache = { mtimeMs, values: store.values() };
    return cache.values;
  };
  return scrubber(values);
}
