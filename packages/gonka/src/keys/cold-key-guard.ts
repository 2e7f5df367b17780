import { createHash } from 'node:crypto';
import { wordlist as czech } from '@scure/bip39/wordlists/czech.js';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { wordlist as french } from '@scure/bip39/wordlists/french.js';
import { wordlist as italian } from '@scure/bip39/wordlists/italian.js';
import { wordlist as japanese } from '@scure/bip39/wordlists/japanese.js';
import { wordlist as korean } from '@scure/bip39/wordlists/korean.js';
import { wordlist as portuguese } from '@scure/bip39/wordlists/portuguese.js';
import { wordlist as simplifiedChinese } from '@scure/bip39/wordlists/simplified-chinese.js';
import { wordlist as spanish } from '@scure/bip39/wordlists/spanish.js';
import { wordlist as traditionalChinese } from '@scure/bip39/wordlists/traditional-chinese.js';

/**
 * Cold-key material must never reach the control plane or a host file (DESIGN invariant 5). This
 * finds what a private key looks like when someone pastes it, however it is dressed: a recovery
 * phrase in any official BIP-39 word list (numbered, separated by commas, hyphens or zero-width
 * characters, in full-width letters, quoted, prefixed, split across fields or written as object
 * keys, or base64/hex-encoded), a raw 32-byte key in hex or base64 (with 0x, colons, spaces,
 * wrapped), an armored export, a key file. A document is searched as a whole: the words of every
 * string value and every object key are one stream, so a phrase split across two fields is still
 * one phrase. A finding names where it was found and what kind it is, never the value — and when the
 * secret is an object key, not the key either.
 *
 * Values that merely resemble a key pass on purpose: an image digest (`sha256:<hex>`), a TLS pin
 * (`sha256//<base64>`), a 33-byte public key, a 20-byte node id, bech32 addresses. Bare 32-byte
 * values that are public (a block hash, a validator's consensus key) pass only in a typed field
 * (`ColdKeyGuardOptions.typed`).
 */
export type ColdKeyKind = 'mnemonic' | 'private-key-hex' | 'private-key-base64' | 'armored-key' | 'key-file';

export interface ColdKeyFinding {
  /** Where it was found: a field path such as `mlNodes.0.args`, or several joined by ` + `. */
  field: string;
  kind: ColdKeyKind;
  message: string;
}

/**
 * What a typed field holds; a value that is what its type says passes without the shape rules, one
 * that is not is searched like free text.
 * - `sha256-digest`: 64 hex digits, optionally `sha256:` (image digests, block and tx hashes).
 * - `account-pubkey`: base64 of a 33-byte compressed secp256k1 key (ACCOUNT_PUBKEY).
 * - `ed25519-public-key`: base64 of 32 bytes that the product made as a public key (an agent's
 *   identity key in its enrollment).
 * - `consensus-key`: a validator's ed25519 public key, accepted only when it equals
 *   `expectedConsensusKey` (the node's own `/status` `validator_info.pub_key.value`).
 * - `product-secret`: the product's own secrets (passwords, one-time tokens, the online TUF keys);
 *   never searched: they are hashed or stored encrypted, and are not cold keys.
 */
export type TypedField =
  'sha256-digest' | 'account-pubkey' | 'ed25519-public-key' | 'consensus-key' | 'product-secret';

export interface ColdKeyGuardOptions {
  /** Typed fields by path pattern: dot-separated segments, `*` for any one segment (`values.*`). */
  typed?: Readonly<Record<string, TypedField>>;
  /** The node's own consensus public key, for `consensus-key` fields. */
  expectedConsensusKey?: string;
  /** Prefix of every field path (the document's own name, e.g. `params`). */
  path?: string;
}

const KEEP_OFFLINE =
  'That is secret key material: it stays on your own device and is never typed into the Node Manager. ' +
  'The node needs only your account public key (the base64 value after "key": in the output of ' +
  '`inferenced keys show <cold key name>` on your device).';

// ---------------------------------------------------------------------------------------------
// Word lists: one map from a normalised word to its index in every list that has it, built once.

const LISTS: readonly (readonly [string, readonly string[]])[] = [
  ['English', english],
  ['Japanese', japanese],
  ['Korean', korean],
  ['Spanish', spanish],
  ['French', french],
  ['Italian', italian],
  ['Czech', czech],
  ['Portuguese', portuguese],
  ['Simplified Chinese', simplifiedChinese],
  ['Traditional Chinese', traditionalChinese],
];
const CHINESE = new Set([8, 9]);
const WINDOWS = [12, 15, 18, 21, 24] as const;
const LATIN = /^[\p{Script=Latin}\p{M}]+$/u;
const HAN = /^\p{Script=Han}+$/u;
const ASCII_WORD = /^[A-Za-z]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e\t\n\r]*$/;

/** A token as the maps hold it: NFKC, lower case; Latin words without accents (wallets accept both). */
function wordKey(w: string): string {
  if (ASCII_WORD.test(w)) return w.toLowerCase();
  const t = w.normalize('NFKC').toLowerCase();
  return LATIN.test(t) ? t.normalize('NFD').replace(/\p{M}/gu, '') : t;
}

let dictionary: Map<string, number[]> | undefined;
/** word → codes (list index × 2048 + word index). English also by its unique 4-letter prefixes. */
function dict(): Map<string, number[]> {
  if (dictionary) return dictionary;
  const d = new Map<string, number[]>();
  const add = (k: string, code: number) => {
    const codes = d.get(k);
    if (!codes) d.set(k, [code]);
    else if (!codes.includes(code)) codes.push(code);
  };
  LISTS.forEach(([, list], li) => list.forEach((w, i) => add(wordKey(w), li * 2048 + i)));
  english.forEach((w, i) => {
    if (w.length > 4) add(w.slice(0, 4), i);
  });
  dictionary = d;
  return d;
}

/** Whether the word indices carry a valid BIP-39 checksum (n ∈ 12, 15, 18, 21, 24). */
function validChecksum(idx: readonly number[]): boolean {
  const n = idx.length;
  const entBits = (n * 32) / 3;
  const csBits = n / 3;
  const entropy = Buffer.alloc(entBits / 8);
  let cs = 0;
  for (let b = 0; b < n * 11; b++) {
    const bit = ((idx[Math.floor(b / 11)] ?? 0) >> (10 - (b % 11))) & 1;
    if (b < entBits) {
      if (bit) entropy[b >> 3] = (entropy[b >> 3] ?? 0) | (0x80 >> (b & 7));
    } else cs = (cs << 1) | bit;
  }
  const first = createHash('sha256').update(entropy).digest()[0] ?? 0;
  return first >> (8 - csBits) === cs;
}

/**
 * Whether these words, every one of them, form a recovery phrase: 12–24 words of one official list
 * with a valid checksum. For scrubbing text word by word, where a window that merely contains a
 * phrase must not count (the scrubber would cut the wrong span).
 */
export function isRecoveryPhrase(words: readonly string[]): boolean {
  if (!WINDOWS.some((n) => n === words.length)) return false;
  const d = dict();
  const codes = words.map((w) => d.get(wordKey(w.normalize('NFKC'))) ?? []);
  for (let li = 0; li < LISTS.length; li++) {
    const idx: number[] = [];
    for (const c of codes) {
      const code = c.find((k) => k >> 11 === li);
      if (code === undefined) break;
      idx.push(code & 2047);
    }
    if (idx.length === words.length && validChecksum(idx)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Normalising text

/** Format characters (zero-width space/joiners, word joiner, soft hyphen, BOM…). */
const FORMAT = /\p{Cf}/gu;

interface Normalised {
  /** Format characters taken out (a zero-width joiner inside a word). */
  joined: string;
  /** Format characters read as separators (zero-width spaces between words); undefined when none. */
  spaced?: string;
}
function normalise(v: string): Normalised {
  // Printable ASCII is its own NFKC form and has no format characters.
  if (PRINTABLE_ASCII.test(v)) return { joined: v };
  const n = v.normalize('NFKC');
  if (!/\p{Cf}/u.test(n)) return { joined: n };
  return { joined: n.replace(FORMAT, ''), spaced: n.replace(FORMAT, ' ') };
}

const TOKEN = /[\p{L}\p{M}]+/gu;

// ---------------------------------------------------------------------------------------------
// Shapes of a raw key, in free text

const DIGEST_BEFORE = /sha256(?::|=|-|\/\/)$/i;
const HEX_RUN = /[0-9a-fA-F]+/g;
const HEX_SPACED = /(?<![0-9a-fA-F])(?:[0-9a-fA-F]{2}[:\s-]){31}[0-9a-fA-F]{2}(?![0-9a-fA-F])/g;
const B64_GROUP = /[A-Za-z0-9+/_-]+(?:\s+[A-Za-z0-9+/_-]+)*={0,2}/g;
const ARMOR = /-{3,}\s*begin\s+([a-z0-9 ]*?)\s*-{3,}/gi;
const KEY_FILE = /priv(?:ate)?[\s_-]?(?:validator[\s_-]?)?key["']?\s*[:=]/i;
const KEY_NAME = /^priv(?:ate)?[\s_-]?(?:validator[\s_-]?)?key$/i;
/** Canonical last character of 32 bytes in base64: 4 data bits, then two zero bits. */
const B64_LAST = /[AEIMQUYcgkosw048]/;

const afterDigestPrefix = (s: string, at: number) => DIGEST_BEFORE.test(s.slice(Math.max(0, at - 8), at));

/** 32 bytes in base64 (standard or URL alphabet, padded or not), looking like random bytes. */
function isKeyBase64(body: string): boolean {
  if (body.length !== 43 || !B64_LAST.test(body[42] ?? '')) return false;
  if (/[+/]/.test(body) && /[_-]/.test(body)) return false;
  return /[A-Z]/.test(body) && /[a-z]/.test(body);
}

interface ShapeHit {
  kind: ColdKeyKind;
  message: string;
}

const HEX_MSG = `this is 32 bytes of hex, the form of a raw private key. ${KEEP_OFFLINE} (An image digest is written sha256:<hex>.)`;
const B64_MSG = `this is 32 bytes of base64, the form of a raw private key. ${KEEP_OFFLINE}`;
const ARMOR_MSG = `this is an armored (exported) private key. ${KEEP_OFFLINE}`;
const KEY_FILE_MSG = `this is a key file with a private key in it. ${KEEP_OFFLINE}`;

/** Armored exports and key files: refused in every field, typed or not. */
function exportShapes(s: string): ShapeHit | undefined {
  if (s.length < 8) return undefined;
  if (s.includes('---'))
    for (const m of s.matchAll(ARMOR)) {
      const label = (m[1] ?? '').toLowerCase();
      if (/private|secret/.test(label) || (/\b(key|armor)\b/.test(label) && !/public/.test(label)))
        return { kind: 'armored-key', message: ARMOR_MSG };
    }
  if (/priv/i.test(s) && KEY_FILE.test(s)) return { kind: 'key-file', message: KEY_FILE_MSG };
  return undefined;
}

/** Bare 32-byte values (free text and untyped fields only). */
function rawKeyShapes(s: string): ShapeHit | undefined {
  if (s.length < 43) return undefined;
  for (const m of s.matchAll(HEX_RUN))
    if (m[0].length === 64 && !afterDigestPrefix(s, m.index))
      return { kind: 'private-key-hex', message: HEX_MSG };
  for (const m of s.matchAll(HEX_SPACED))
    if (!afterDigestPrefix(s, m.index)) return { kind: 'private-key-hex', message: HEX_MSG };
  for (const m of s.matchAll(B64_GROUP)) {
    if (afterDigestPrefix(s, m.index)) continue;
    const group = m[0];
    const pad = /=*$/.exec(group)?.[0].length ?? 0;
    if (pad > 1) continue;
    const pieces = group.slice(0, group.length - pad).split(/\s+/);
    // One piece: the run itself. Several: a key wrapped over lines; only long pieces with a digit
    // or symbol are joined, so that words of a sentence never add up to one.
    for (const p of pieces) if (isKeyBase64(p)) return { kind: 'private-key-base64', message: B64_MSG };
    for (let i = 0; i < pieces.length; i++) {
      let joined = '';
      for (let j = i; j < pieces.length && joined.length < 43; j++) {
        const p = pieces[j] ?? '';
        joined += p;
        if (j > i && isKeyBase64(joined) && /[0-9+/_-]/.test(joined))
          return { kind: 'private-key-base64', message: B64_MSG };
        if (p.length < 8) break;
      }
    }
  }
  return undefined;
}

/** Text hidden in base64 or hex runs (a phrase encoded to slip past a word search). */
function decodedTexts(s: string): string[] {
  const out: string[] = [];
  const text = (b: Buffer) => {
    const t = b.toString('utf8');
    if (t.length >= 12 && !t.includes('\uFFFD') && /^[\p{L}\p{M}\p{N}\p{P}\p{Zs}\s]+$/u.test(t)) out.push(t);
  };
  for (const m of s.matchAll(/[0-9a-fA-F]{48,}/g)) if (m[0].length % 2 === 0) text(Buffer.from(m[0], 'hex'));
  for (const m of s.matchAll(/[A-Za-z0-9+/_-]{32,}={0,2}/g)) {
    const v = m[0];
    text(Buffer.from(v, /[_-]/.test(v) ? 'base64url' : 'base64'));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The document walk

interface Segment {
  text: string;
  /** For an object key: the source id of the key itself. */
  keySource?: number;
}
interface Source {
  segs: Segment[];
  isKey: boolean;
}
interface RawFinding {
  sources: number[];
  kind: ColdKeyKind;
  message: string;
}

const SAFE_SEGMENT = /^[A-Za-z0-9_.-]{1,64}$/;

function typeOf(
  segs: Segment[],
  typed: Readonly<Record<string, TypedField>> | undefined,
): TypedField | undefined {
  if (!typed) return undefined;
  for (const [pattern, type] of Object.entries(typed)) {
    const parts = pattern.split('.');
    if (parts.length === segs.length && parts.every((p, i) => p === '*' || p === segs[i]?.text)) return type;
  }
  return undefined;
}

/** Whether a typed value is what its type says (then it passes without the shape rules). */
function passesByType(type: TypedField, v: string, o: ColdKeyGuardOptions): boolean {
  const t = v.trim();
  switch (type) {
    case 'product-secret':
      return true;
    case 'sha256-digest':
      return /^(sha256:)?[0-9a-fA-F]{64}$/.test(t);
    case 'account-pubkey':
      return checkAccountPubkey(t) === undefined;
    case 'ed25519-public-key':
      return /^[A-Za-z0-9+/]{43}=$/.test(t);
    case 'consensus-key':
      return o.expectedConsensusKey !== undefined && t === o.expectedConsensusKey.trim();
  }
}

/** Runs of consecutive dictionary words, one per word list, over a stream of strings. */
class Runs {
  private readonly runs: { idx: number[]; src: number[] }[] = LISTS.map(() => ({ idx: [], src: [] }));

  constructor(private readonly found: RawFinding[]) {}

  word(codes: readonly number[] | undefined, src: number): void {
    for (let li = 0; li < LISTS.length; li++) {
      const run = this.runs[li];
      if (!run) continue;
      const code = codes?.find((c) => c >> 11 === li);
      if (code === undefined) this.flush(li);
      else {
        run.idx.push(code & 2047);
        run.src.push(src);
      }
    }
  }

  flushAll(): void {
    for (let li = 0; li < LISTS.length; li++) this.flush(li);
  }

  /**
   * Looks for phrases in one list's run: first inside each string (so a finding names the right
   * field), then across strings (a phrase split over fields), every 12–24-word window.
   */
  private flush(li: number): void {
    const run = this.runs[li];
    if (!run || run.idx.length === 0) return;
    const { idx, src } = run;
    run.idx = [];
    run.src = [];
    if (idx.length < 12) return;
    const used = new Uint8Array(idx.length);
    const search = (lo: number, hi: number) => {
      for (let start = lo; start + 12 <= hi;) {
        let best = 0;
        for (const n of WINDOWS) if (start + n <= hi && validChecksum(idx.slice(start, start + n))) best = n;
        if (!best) {
          start++;
          continue;
        }
        used.fill(1, start, start + best);
        this.found.push({
          sources: [...new Set(src.slice(start, start + best))],
          kind: 'mnemonic',
          message: phraseMessage(best, li),
        });
        start += best;
      }
    };
    for (let a = 0; a < idx.length;) {
      let b = a;
      while (b < idx.length && src[b] === src[a]) b++;
      if (b - a >= 12) search(a, b);
      a = b;
    }
    for (let a = 0; a < idx.length;) {
      if (used[a]) {
        a++;
        continue;
      }
      let b = a;
      while (b < idx.length && !used[b]) b++;
      if (b - a >= 12) search(a, b);
      a = b;
    }
  }
}

class Scanner {
  readonly sources: Source[] = [];
  readonly findings: RawFinding[] = [];
  private readonly d = dict();
  /** String values are one stream of words, object keys another: a phrase may be split over either. */
  private readonly valueRuns = new Runs(this.findings);
  private readonly keyRuns = new Runs(this.findings);

  constructor(private readonly o: ColdKeyGuardOptions) {}

  walk(doc: unknown): void {
    // Iterative, in document order: a deeply nested document must not overflow the stack.
    const stack: { v: unknown; segs: Segment[] }[] = [{ v: doc, segs: [] }];
    while (stack.length) {
      const top = stack.pop();
      if (!top) break;
      const { v, segs } = top;
      if (typeof v === 'string') this.value(v, segs, false);
      else if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--)
          stack.push({ v: v[i] as unknown, segs: [...segs, { text: String(i) }] });
      } else if (v && typeof v === 'object') {
        const children: { v: unknown; segs: Segment[] }[] = [];
        for (const [k, x] of Object.entries(v)) {
          const childSegs = [...segs, { text: k, keySource: this.value(k, segs, true) }];
          if (
            KEY_NAME.test(k.trim()) &&
            ((typeof x === 'string' && x.trim().length >= 16) || (x && typeof x === 'object'))
          )
            this.findings.push({
              sources: [this.addSource(childSegs, false)],
              kind: 'key-file',
              message: KEY_FILE_MSG,
            });
          children.push({ v: x, segs: childSegs });
        }
        for (let i = children.length - 1; i >= 0; i--) {
          const c = children[i];
          if (c) stack.push(c);
        }
      }
    }
    this.valueRuns.flushAll();
    this.keyRuns.flushAll();
  }

  private addSource(segs: Segment[], isKey: boolean): number {
    this.sources.push({ segs, isKey });
    return this.sources.length - 1;
  }

  /** Scans one string (a value or an object key); returns its source id. */
  private value(raw: string, segs: Segment[], isKey: boolean): number {
    const src = this.addSource(segs, isKey);
    const type = isKey ? undefined : typeOf(segs, this.o.typed);
    if (type && passesByType(type, raw, this.o)) return src;
    const n = normalise(raw);
    const before = this.findings.length;
    this.shapes(n.joined, src, 0);
    if (n.spaced && this.findings.length === before) this.shapes(n.spaced, src, 0);
    this.words(n.spaced ?? n.joined, src, isKey ? this.keyRuns : this.valueRuns);
    // With format characters inside words, the words are read once more with them taken out.
    if (n.spaced && this.findings.length === before) this.alone(n.joined, src);
    return src;
  }

  private shapes(s: string, src: number, depth: number): void {
    const hit = exportShapes(s) ?? rawKeyShapes(s);
    if (hit) {
      this.findings.push({ sources: [src], ...hit });
      return;
    }
    if (depth > 0 || s.length < 32) return;
    for (const t of decodedTexts(s)) {
      const before = this.findings.length;
      this.shapes(t, src, depth + 1);
      if (this.findings.length === before) this.alone(t, src);
      if (this.findings.length > before) {
        for (const f of this.findings.slice(before)) f.message = `encoded (base64 or hex): ${f.message}`;
        return;
      }
    }
  }

  /** Searches one text by itself, apart from the document's streams. */
  private alone(s: string, src: number): void {
    const runs = new Runs(this.findings);
    this.words(s, src, runs);
    runs.flushAll();
  }

  /** Adds the words of one string to a stream of words. */
  private words(s: string, src: number, runs: Runs): void {
    for (const m of s.matchAll(TOKEN)) {
      const token = m[0];
      const codes = this.d.get(wordKey(token));
      // Chinese without spaces: only a string that is exactly a phrase is read as one (ordinary
      // Chinese text is made of the same common characters).
      if (!codes && HAN.test(token) && (WINDOWS as readonly number[]).includes([...token].length))
        this.unspacedChinese(token, src);
      runs.word(codes, src);
    }
  }

  private unspacedChinese(token: string, src: number): void {
    for (const li of CHINESE) {
      const idx: number[] = [];
      for (const ch of token) {
        const c = this.d.get(ch)?.find((x) => x >> 11 === li);
        if (c === undefined) break;
        idx.push(c & 2047);
      }
      if (idx.length === [...token].length && validChecksum(idx)) {
        this.findings.push({ sources: [src], kind: 'mnemonic', message: phraseMessage(idx.length, li) });
        return;
      }
    }
  }
}

function phraseMessage(n: number, li: number): string {
  const lang = LISTS[li]?.[0] ?? 'a BIP-39';
  return `this is a ${n}-word recovery phrase (${lang} word list; its BIP-39 checksum is valid): it IS your key. ${KEEP_OFFLINE} If it was shared anywhere, move your funds to a new key.`;
}

/** The field a finding names: its path, with any object key that is itself secret left unnamed. */
function fieldOf(s: Source, secretKeys: Set<number>, base: string): string {
  const parts: string[] = base ? [base] : [];
  for (const seg of s.segs) {
    if (seg.keySource !== undefined && secretKeys.has(seg.keySource)) parts.push('(an object key)');
    else parts.push(SAFE_SEGMENT.test(seg.text) ? seg.text : '(a field)');
  }
  const path = parts.join('.');
  if (s.isKey) return path ? `an object key in ${path}` : 'an object key';
  return path || '(value)';
}

/**
 * Searches a whole document — every string value and every object key, as one stream of words — and
 * returns each suspected secret with where it was found (never the value).
 */
export function findColdKeyMaterial(doc: unknown, o: ColdKeyGuardOptions = {}): ColdKeyFinding[] {
  const scan = new Scanner(o);
  scan.walk(doc);
  if (scan.findings.length === 0) return [];
  const secretKeys = new Set<number>();
  for (const f of scan.findings) for (const s of f.sources) if (scan.sources[s]?.isKey) secretKeys.add(s);
  const seen = new Set<string>();
  const out: ColdKeyFinding[] = [];
  for (const f of scan.findings) {
    const field = [
      ...new Set(
        f.sources.map((s) => (scan.sources[s] ? fieldOf(scan.sources[s], secretKeys, o.path ?? '') : '')),
      ),
    ].join(' + ');
    const id = `${field}\n${f.kind}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ field, kind: f.kind, message: f.message });
  }
  return out;
}

/** What kind of secret one free-text value looks like, if any (undefined when it is fine). */
export function detectColdKey(value: string): Omit<ColdKeyFinding, 'field'> | undefined {
  const f = findColdKeyMaterial(value)[0];
  return f ? { kind: f.kind, message: f.message } : undefined;
}

/** One sentence for an error: where each finding is and what to do, never the value. */
export function describeColdKeyFindings(findings: readonly ColdKeyFinding[]): string {
  return `nothing was stored or sent: ${findings
    .slice(0, 8)
    .map((f) => `${f.field}: ${f.message}`)
    .join('; ')}`;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The account public key as Gonka takes it (ACCOUNT_PUBKEY): base64 of a 33-byte compressed secp256k1
 * point, first byte 02 or 03. Returns why it is not, or undefined when it is.
 */
export function checkAccountPubkey(value: string): string | undefined {
  const v = value.trim();
  if (!BASE64.test(v) || v.length % 4 !== 0)
    return 'must be base64 (the value after "key": in `inferenced keys show <name>`), e.g. A1XaDhc1…BYDd';
  const b = Buffer.from(v, 'base64');
  if (b.length !== 33)
    return `decodes to ${b.length} bytes; a compressed secp256k1 public key is 33 bytes${b.length === 32 ? ' (32 bytes is the size of a private key: never paste one here)' : ''}`;
  if (b[0] !== 0x02 && b[0] !== 0x03)
    return `starts with byte 0x${(b[0] ?? 0).toString(16).padStart(2, '0')}; a compressed public key starts with 02 or 03`;
  return undefined;
}
