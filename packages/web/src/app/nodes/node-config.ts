import { z } from 'zod';
import type { DeployForm } from './deploy-form';

/**
 * A stored node configuration (the API's `config`, free-form in the OpenAPI document) back into the
 * wizard's form, for a re-deploy. Unknown or missing parts keep the form's defaults.
 */
const StoredConfig = z.object({
  name: z.string(),
  role: z.enum(['network', 'mlnode', 'full']),
  network: z.enum(['mainnet', 'testnet', 'sim']),
  seed: z.object({ apiUrl: z.string(), p2pAddress: z.string() }).optional(),
  publicHost: z.string(),
  ports: z
    .object({ api: z.number(), apiExternal: z.number().optional(), p2pExternal: z.number().optional() })
    .optional(),
  accountPubkey: z.string().optional(),
  keyName: z.string().optional(),
  hfHome: z.string().optional(),
  bundle: z.object({ name: z.string() }).optional(),
  extraValues: z.record(z.string(), z.string()).optional(),
  serving: z
    .object({
      model: z.string(),
      args: z.array(z.string()),
      maxConcurrent: z.number(),
      sizeGb: z.number().optional(),
    })
    .optional(),
});

export function formFromConfig(config: unknown, base: DeployForm): DeployForm {
  const r = StoredConfig.safeParse(config);
  if (!r.success) return base;
  const c = r.data;
  const s = (n: number | undefined) => (n === undefined ? '' : String(n));
  return {
    ...base,
    role: c.role,
    name: c.name,
    network: c.network,
    seedApiUrl: c.seed?.apiUrl ?? '',
    seedP2pAddress: c.seed?.p2pAddress ?? '',
    publicHost: c.publicHost,
    apiPort: s(c.ports?.api ?? 8000),
    apiExternalPort: s(c.ports?.apiExternal),
    p2pExternalPort: s(c.ports?.p2pExternal),
    accountPubkey: c.accountPubkey ?? '',
    keyName: c.keyName ?? base.keyName,
    hfHome: c.hfHome ?? base.hfHome,
    model: c.serving?.model ?? '',
    args: c.serving?.args.join('\n') ?? '',
    maxConcurrent: s(c.serving?.maxConcurrent),
    sizeGb: s(c.serving?.sizeGb),
    bundleName: c.bundle?.name ?? base.bundleName,
    extraValues: Object.entries(c.extraValues ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  };
}
