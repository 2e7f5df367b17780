import type { Recommendation } from './recommendation';

/**
 * The deploy wizard's form: what the operator types, checked field by field as they type (the same
 * rules the control plane applies, so a refusal shows next to the field instead of after the submit),
 * and turned into the node configuration the API takes. Pure: unit-tested without a browser.
 */
export type Role = 'network' | 'mlnode' | 'full';
export type Network = 'mainnet' | 'testnet' | 'sim';

export interface DeployForm {
  role: Role;
  name: string;
  network: Network;
  seedApiUrl: string;
  seedP2pAddress: string;
  publicHost: string;
  apiPort: string;
  apiExternalPort: string;
  p2pExternalPort: string;
  accountPubkey: string;
  keyName: string;
  hfHome: string;
  model: string;
  /** vLLM arguments, one per line (each line one argv entry, as node-config.json lists them). */
  args: string;
  maxConcurrent: string;
  sizeGb: string;
  /** Advanced: the bundle (a release authority's own, or the sim's) and further bundle parameters. */
  bundleName: string;
  /** `NAME=value`, one per line: parameters of the bundle the form has no field for. */
  extraValues: string;
}

export type FormErrors = Partial<Record<keyof DeployForm, string>>;

export function initialForm(hostName: string): DeployForm {
  return {
    role: 'full',
    name: hostName,
    network: 'mainnet',
    seedApiUrl: '',
    seedP2pAddress: '',
    publicHost: '',
    apiPort: '8000',
    apiExternalPort: '',
    p2pExternalPort: '',
    accountPubkey: '',
    keyName: 'warm-key',
    hfHome: '/mnt/shared',
    model: '',
    args: '',
    maxConcurrent: '',
    sizeGb: '',
    bundleName: 'gonka-join',
    extraValues: '',
  };
}

/** The recommender's values in the form's serving fields (the operator may still edit each one). */
export function withRecommendation(f: DeployForm, rec: Recommendation): DeployForm {
  if (!rec.viable) return f;
  return {
    ...f,
    model: rec.model,
    args: rec.args.join('\n'),
    maxConcurrent: String(rec.maxConcurrent),
    sizeGb: String(rec.sizeGb),
  };
}

const URL_RE = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~%/-]*)?$/;
const TCP_RE = /^tcp:\/\/[A-Za-z0-9.-]+:\d{1,5}$/;
const HOST_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const MODEL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

/** A recovery phrase or a raw private key: the cold key must never be pasted into the console. */
export function looksLikeColdKey(v: string): boolean {
  const words = v.trim().split(/\s+/);
  if (words.length >= 12 && words.every((w) => /^[a-z]{3,8}$/.test(w))) return true;
  return /^(0x)?[0-9a-fA-F]{64}$/.test(v.trim());
}

function base64Bytes(v: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(v)) return null;
  try {
    return Uint8Array.from(atob(v), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

const port = (v: string, required: boolean): string | undefined => {
  if (!v.trim()) return required ? 'Give a port (1–65535).' : undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= 65535
    ? undefined
    : 'A port is a whole number from 1 to 65535.';
};

export const hasServing = (role: Role) => role !== 'network';

/** Every problem of the form, by field, each sentence saying what to enter instead. */
export function validate(f: DeployForm): FormErrors {
  const e: FormErrors = {};
  for (const [k, v] of Object.entries(f) as [keyof DeployForm, string][]) {
    if (looksLikeColdKey(v))
      e[k] =
        'This looks like a recovery phrase or a private key. Never paste your cold key here: it stays on your own machine.';
  }
  const set = (k: keyof DeployForm, msg: string | undefined) => {
    if (msg && !e[k]) e[k] = msg;
  };
  if (!f.name.trim()) set('name', 'Give the node a name.');
  else if (f.name.length > 64) set('name', 'At most 64 characters.');
  if (f.network !== 'mainnet') {
    if (!URL_RE.test(f.seedApiUrl))
      set('seedApiUrl', `The ${f.network} seed node's API, like http://seed.example.org:8000.`);
    if (!TCP_RE.test(f.seedP2pAddress))
      set('seedP2pAddress', 'The seed node’s P2P address, like tcp://seed.example.org:5000.');
  }
  if (!f.publicHost.trim()) set('publicHost', 'The address the world reaches this host at (IP or DNS name).');
  else if (!HOST_RE.test(f.publicHost) || f.publicHost.length > 253)
    set('publicHost', 'An IP address or DNS name only, without http:// or a port.');
  set('apiPort', port(f.apiPort, true));
  set('apiExternalPort', port(f.apiExternalPort, false));
  set('p2pExternalPort', port(f.p2pExternalPort, false));
  if (f.role !== 'mlnode') {
    if (!f.accountPubkey.trim())
      set(
        'accountPubkey',
        'Required: the "key" value of your cold account key (run inferenced keys show gonka-account-key on your own machine).',
      );
    else {
      const bytes = base64Bytes(f.accountPubkey.trim());
      if (!bytes || bytes.length !== 33 || (bytes[0] !== 2 && bytes[0] !== 3))
        set(
          'accountPubkey',
          'A compressed public key is 44 base64 characters (33 bytes, starting A… ): copy the "key" value, not the address.',
        );
    }
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(f.keyName)) set('keyName', 'Letters, digits, dot, dash and underscore.');
  if (!/^\/[A-Za-z0-9._/-]*$/.test(f.hfHome))
    set('hfHome', 'An absolute path on the host, like /mnt/shared.');
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(f.bundleName))
    set('bundleName', 'A bundle name: lower-case letters, digits and "-" (gonka-join for the official one).');
  const bad = extraLines(f.extraValues).find((l) => !EXTRA_RE.test(l));
  if (bad !== undefined)
    set(
      'extraValues',
      `"${bad.slice(0, 40)}": write NAME=value, the name in upper case (e.g. DISABLE_FAIL2BAN=true).`,
    );
  if (hasServing(f.role)) {
    if (!MODEL_RE.test(f.model)) set('model', 'A model id like Qwen/Qwen3-235B-A22B-Instruct-2507-FP8.');
    const args = argList(f.args);
    if (args.some((a) => !/^[\x20-\x7e]*$/.test(a) || a.length > 300))
      set('args', 'Printable text only, at most 300 characters per line.');
    const mc = Number(f.maxConcurrent);
    if (!Number.isInteger(mc) || mc < 1 || mc > 10_000)
      set('maxConcurrent', 'A whole number from 1 to 10000.');
    if (f.sizeGb.trim() && !(Number(f.sizeGb) > 0)) set('sizeGb', 'The size of the weights in GB, or empty.');
  }
  return e;
}

const EXTRA_RE = /^[A-Z][A-Z0-9_]{0,63}=[\x20-\x7e]{0,4096}$/;
const extraLines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
/** The extra parameters as the API takes them. */
export function extraValuesOf(text: string): Record<string, string> {
  return Object.fromEntries(
    extraLines(text).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );
}

const argList = (text: string) =>
  text
    .split('\n')
    .map((a) => a.trim())
    .filter(Boolean);

/** The node configuration (POST /api/v1/nodes `config`): public values only. */
export function toConfig(f: DeployForm, rec: Recommendation | null): Record<string, unknown> {
  const num = (v: string) => (v.trim() ? Number(v) : undefined);
  const config: Record<string, unknown> = {
    name: f.name.trim(),
    role: f.role,
    network: f.network,
    publicHost: f.publicHost.trim(),
    ports: {
      api: Number(f.apiPort),
      ...(num(f.apiExternalPort) ? { apiExternal: num(f.apiExternalPort) } : {}),
      ...(num(f.p2pExternalPort) ? { p2pExternal: num(f.p2pExternalPort) } : {}),
    },
    keyName: f.keyName,
    hfHome: f.hfHome,
    bundle: { name: f.bundleName },
  };
  const extra = extraValuesOf(f.extraValues);
  if (Object.keys(extra).length) config.extraValues = extra;
  if (f.network !== 'mainnet')
    config.seed = { apiUrl: f.seedApiUrl.trim(), p2pAddress: f.seedP2pAddress.trim() };
  if (f.role !== 'mlnode') config.accountPubkey = f.accountPubkey.trim();
  if (hasServing(f.role)) {
    const args = argList(f.args);
    const edited = !rec?.viable || rec.model !== f.model || rec.args.join('\n') !== args.join('\n');
    config.serving = {
      model: f.model.trim(),
      args,
      maxConcurrent: Number(f.maxConcurrent),
      ...(num(f.sizeGb) ? { sizeGb: num(f.sizeGb) } : {}),
      // The reasons stay with the configuration only while they still describe it.
      ...(rec?.viable && !edited ? { reasons: rec.reasons } : {}),
    };
  }
  return config;
}

/** The review step: every value that will be deployed, in words. */
export function reviewRows(f: DeployForm): { label: string; value: string }[] {
  const rows = [
    { label: 'Role', value: ROLE_LABEL[f.role] },
    { label: 'Name', value: f.name },
    { label: 'Network', value: f.network },
    ...(f.network !== 'mainnet'
      ? [
          { label: 'Seed API', value: f.seedApiUrl },
          { label: 'Seed P2P', value: f.seedP2pAddress },
        ]
      : []),
    { label: 'Public address', value: f.publicHost },
    {
      label: 'Public URL',
      value: `http://${f.publicHost}:${f.apiExternalPort.trim() || f.apiPort}`,
    },
    { label: 'P2P address', value: `tcp://${f.publicHost}:${f.p2pExternalPort.trim() || '5000'}` },
    { label: 'API port on the host', value: f.apiPort },
    ...(f.role !== 'mlnode' ? [{ label: 'Account public key', value: f.accountPubkey }] : []),
    { label: 'Warm key name', value: f.keyName },
    { label: 'Model cache (HF_HOME)', value: f.hfHome },
    { label: 'Bundle', value: f.bundleName },
    ...(extraLines(f.extraValues).length
      ? [{ label: 'Further bundle parameters', value: extraLines(f.extraValues).join(', ') }]
      : []),
  ];
  if (hasServing(f.role))
    rows.push(
      { label: 'Model', value: f.model },
      { label: 'vLLM arguments', value: argList(f.args).join(' ') || '(none)' },
      { label: 'Max concurrent requests', value: f.maxConcurrent },
      { label: 'Weights size', value: f.sizeGb ? `${f.sizeGb} GB` : 'unknown' },
    );
  return rows;
}

export const ROLE_LABEL: Record<Role, string> = {
  network: 'Network node (chain, API, proxy)',
  mlnode: 'ML node (GPU inference)',
  full: 'Full node (network node and ML node on this host)',
};
