import type { ServingChoice } from './recommend.js';

/**
 * A node-config.json entry (reference §3) for a recommendation: the shape DAPI reads once at first start
 * and the Admin API takes afterwards (`POST /admin/v1/nodes`). The defaults are the official files'
 * values for the ML node beside the network node (compose service `inference`, ports 5000 and 8080).
 */
export interface NodeConfigEntry {
  id: string;
  host: string;
  inference_port: number;
  poc_port: number;
  max_concurrent: number;
  models: Record<string, { args: string[] }>;
}

export interface MlNodeAddress {
  id?: string;
  /** A bare host (IP, DNS name or compose service): DAPI builds `http://{host}:{port}` itself. */
  host?: string;
  inferencePort?: number;
  pocPort?: number;
}

export class NodeConfigEntryError extends Error {
  override name = 'NodeConfigEntryError';
}

export function nodeConfigEntry(
  rec: Pick<ServingChoice, 'model' | 'args' | 'maxConcurrent'>,
  at: MlNodeAddress = {},
): NodeConfigEntry {
  const id = at.id ?? 'node1';
  const host = at.host ?? 'inference';
  const inferencePort = at.inferencePort ?? 5000;
  const pocPort = at.pocPort ?? 8080;
  if (!id.trim())
    throw new NodeConfigEntryError('id: must not be empty (the Admin API refers to the node by it)');
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host))
    throw new NodeConfigEntryError(
      `host: "${host}" must be a bare IP address or DNS name, without scheme or port (DAPI adds both)`,
    );
  for (const [field, port] of [
    ['inferencePort', inferencePort],
    ['pocPort', pocPort],
  ] as const)
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new NodeConfigEntryError(`${field}: ${port} is not a port (1–65535)`);
  if (!Number.isInteger(rec.maxConcurrent) || rec.maxConcurrent < 1)
    throw new NodeConfigEntryError(`max_concurrent: must be > 0, got ${rec.maxConcurrent}`);
  return {
    id,
    host,
    inference_port: inferencePort,
    poc_port: pocPort,
    max_concurrent: rec.maxConcurrent,
    models: { [rec.model]: { args: [...rec.args] } },
  };
}
