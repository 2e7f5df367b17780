/**
 * Strict shape checking derived from a golden sample: the value must have exactly the sample's keys
 * (no invented ones; missing ones only where the golden file lists them as optional) with the same
 * JSON types at every path. Used by the sim's integration tests, so the sim cannot drift from the
 * reference while the product's own parsers stay lenient.
 *
 * Paths: `[]` stands for every array element, `*` for every value of an object with dynamic keys.
 * Array samples are merged element-wise (a key absent from some sample elements is optional).
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Template {
  kind: 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'any';
  element?: Template;
  keys?: Map<string, { t: Template; alwaysPresent: boolean }>;
}

function kindOf(v: Json): Template['kind'] {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as 'boolean' | 'number' | 'string' | 'object';
}

function build(v: Json): Template {
  const kind = kindOf(v);
  if (kind === 'array') {
    const arr = v as Json[];
    return { kind, element: arr.length ? arr.map(build).reduce(merge) : { kind: 'any' } };
  }
  if (kind === 'object') {
    // An empty object in a sample means the reference gives no shape for it: anything goes.
    if (Object.keys(v as object).length === 0) return { kind: 'any' };
    const keys = new Map<string, { t: Template; alwaysPresent: boolean }>();
    for (const [k, x] of Object.entries(v as Record<string, Json>))
      keys.set(k, { t: build(x), alwaysPresent: true });
    return { kind, keys };
  }
  return { kind };
}

function merge(a: Template, b: Template): Template {
  if (a.kind === 'any' || a.kind === 'null') return b.kind === 'null' ? a : b;
  if (b.kind === 'any' || b.kind === 'null') return a;
  if (a.kind !== b.kind) return { kind: 'any' };
  if (a.kind === 'array')
    return { kind: 'array', element: merge(a.element ?? { kind: 'any' }, b.element ?? { kind: 'any' }) };
  if (a.kind === 'object') {
    const keys = new Map<string, { t: Template; alwaysPresent: boolean }>();
    const ak = a.keys ?? new Map();
    const bk = b.keys ?? new Map();
    for (const k of new Set([...ak.keys(), ...bk.keys()])) {
      const x = ak.get(k);
      const y = bk.get(k);
      keys.set(
        k,
        x && y
          ? { t: merge(x.t, y.t), alwaysPresent: x.alwaysPresent && y.alwaysPresent }
          : { t: (x ?? y)?.t ?? { kind: 'any' }, alwaysPresent: false },
      );
    }
    return { kind: 'object', keys };
  }
  return a;
}

export interface ShapeOptions {
  optionalKeys?: readonly string[];
  /** Paths of objects whose keys are data (model ids…); their values are checked against the sample's. */
  dynamicKeys?: readonly string[];
}

/** Returns every difference between `value`'s shape and the sample's; empty when they match. */
export function shapeDiff(sample: unknown, value: unknown, opts: ShapeOptions = {}): string[] {
  const optional = new Set(opts.optionalKeys ?? []);
  const dynamic = new Set(opts.dynamicKeys ?? []);
  // A `*` in an optional path also marks its parent as a dynamic-key object.
  for (const p of optional) {
    const i = p.indexOf('.*');
    if (i >= 0) dynamic.add(p.slice(0, i));
    if (p.startsWith('*')) dynamic.add('');
  }
  const out: string[] = [];
  const join = (path: string, seg: string): string =>
    path === '' ? seg : seg === '[]' ? `${path}[]` : `${path}.${seg}`;
  const walk = (t: Template, v: unknown, path: string): void => {
    if (t.kind === 'any') return;
    const vk = kindOf(v as Json);
    if (t.kind === 'null') return; // the sample gives no type
    if (vk !== t.kind) {
      if (!(vk === 'null' && optional.has(path)))
        out.push(`${path || '(root)'}: expected ${t.kind}, got ${vk}`);
      return;
    }
    if (t.kind === 'array') {
      (v as unknown[]).forEach((e) => walk(t.element ?? { kind: 'any' }, e, join(path, '[]')));
      return;
    }
    if (t.kind === 'object') {
      const obj = v as Record<string, unknown>;
      const keys = t.keys ?? new Map();
      if (dynamic.has(path)) {
        const merged = [...keys.values()]
          .map((x) => x.t)
          .reduce<Template>((a, b) => merge(a, b), { kind: 'any' });
        for (const x of Object.values(obj)) walk(merged, x, join(path, '*'));
        return;
      }
      for (const [k, { t: kt, alwaysPresent }] of keys) {
        const p = join(path, k);
        if (!(k in obj)) {
          if (alwaysPresent && !optional.has(p)) out.push(`${p}: missing`);
          continue;
        }
        walk(kt, obj[k], p);
      }
      for (const k of Object.keys(obj)) {
        const p = join(path, k);
        if (!keys.has(k) && !optional.has(p)) out.push(`${p}: not in the reference sample`);
      }
    }
  };
  walk(build(sample as Json), value, '');
  return out;
}
