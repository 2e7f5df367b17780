/**
 * How deep JSON may nest on every way in (REST bodies, WebSocket frames). No message of ours comes
 * near it; a body thousands of levels deep only serves to overflow the stack of recursive code behind
 * the parser (a schema walk, a secret scan, JSON.stringify), so it is refused before parsing.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether `text` opens more than `max` arrays/objects inside one another. A single linear scan that
 * skips string contents: no recursion, so any input is safe to check, and it stops at the first level
 * too many. Invalid JSON is left for the parser to refuse.
 */
export function jsonNestsDeeperThan(text: string, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export const jsonTooDeepMessage = (max: number = MAX_JSON_DEPTH) =>
  `JSON nested deeper than ${max} levels is refused: flatten the value`;
