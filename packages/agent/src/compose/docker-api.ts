import http from 'node:http';
import { z } from 'zod';
import { DEFAULT_DOCKER_ROOT } from '@gnm/bundle';
import { OperationFailure } from '../operations/registry.js';
import type { Container } from './compose-driver.js';

/**
 * The few Docker Engine API calls the agent makes on its hot paths (status reports, the end of an
 * apply): an HTTP request on the engine's unix socket costs milliseconds, where each `docker` CLI run
 * costs a process and ~50-100 ms. Plain node:http rather than dockerode: two read-only endpoints do not
 * justify its dependency tree (ssh2 with an optional native add-on a single executable cannot load)
 * in a daemon whose memory budget is 60 MB.
 */
export function dockerSocket(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

export class DockerApi {
  private readonly socketPath: string;

  constructor(socketPath?: string) {
    this.socketPath = socketPath ?? dockerSocket();
  }

  private get<T>(path: string, signal?: AbortSignal): Promise<{ status: number; body: T | undefined }> {
    return new Promise((resolve, reject) => {
      const req = http.get(
        { socketPath: this.socketPath, path, timeout: 10_000, signal, headers: { host: 'docker' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as T) : undefined });
            } catch (e) {
              reject(e as Error);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('the Docker engine did not answer within 10 s')));
      req.on('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES'
            ? new OperationFailure(
                'docker-unreachable',
                `the Docker engine does not answer on ${this.socketPath} (${e.code}): start it with systemctl start docker`,
              )
            : e,
        ),
      );
    });
  }

  /** The engine's data root (`DockerRootDir`, /var/lib/docker unless the host moved it). */
  async dockerRootDir(signal?: AbortSignal): Promise<string> {
    const r = await this.get<unknown>('/info', signal);
    const info = z.object({ DockerRootDir: z.string().startsWith('/') }).safeParse(r.body);
    return info.success ? info.data.DockerRootDir : DEFAULT_DOCKER_ROOT;
  }

  /** Whether the engine has the image (by tag or digest reference). */
  async hasImage(ref: string, signal?: AbortSignal): Promise<boolean> {
    const r = await this.get(`/images/${encodeURIComponent(ref)}/json`, signal);
    return r.status === 200;
  }

  /**
   * The containers of a project with what only an inspect tells: restart count, health and the
   * address on each network — how the agent reaches internal ports (26657 on the compose network),
   * never by publishing them.
   */
  async inspectProject(project: string, signal?: AbortSignal): Promise<Container[]> {
    const list = await this.projectContainers(project, signal);
    return Promise.all(
      list.map(async (c) => {
        const r = await this.get<ApiInspect>(`/containers/${encodeURIComponent(c.name)}/json`, signal);
        if (r.status !== 200 || !r.body) return c;
        const networks = r.body.NetworkSettings?.Networks ?? {};
        return {
          ...c,
          health: r.body.State?.Health?.Status ?? c.health,
          restartCount: r.body.RestartCount ?? 0,
          addresses: Object.fromEntries(
            Object.entries(networks)
              .filter(([, n]) => n.IPAddress)
              .map(([name, n]) => [name, n.IPAddress ?? '']),
          ),
        };
      }),
    );
  }

  /** The host ports a project's running containers publish, with the address each is bound to. */
  async publishedPorts(project: string, signal?: AbortSignal): Promise<PublishedPort[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));
    const r = await this.get<ApiContainer[]>(`/containers/json?filters=${filters}`, signal);
    if (r.status !== 200 || !r.body)
      throw new Error(`the Docker engine answered ${r.status} to a container list`);
    const out: PublishedPort[] = [];
    for (const c of r.body)
      for (const p of c.Ports ?? [])
        if (p.PublicPort)
          out.push({
            service: c.Labels['com.docker.compose.service'] ?? '',
            hostIp: p.IP ?? '0.0.0.0',
            hostPort: p.PublicPort,
            containerPort: p.PrivatePort,
            protocol: p.Type === 'udp' ? 'udp' : 'tcp',
          });
    return out;
  }

  /** The containers of a compose project, from their labels (no release on disk needed). */
  async projectContainers(project: string, signal?: AbortSignal): Promise<Container[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));
    const r = await this.get<ApiContainer[]>(`/containers/json?all=1&filters=${filters}`, signal);
    if (r.status !== 200 || !r.body)
      throw new Error(`the Docker engine answered ${r.status} to a container list`);
    return r.body
      .map((c) => ({
        service: c.Labels['com.docker.compose.service'] ?? '',
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        state: c.State,
        health:
          /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1]?.replace('health: ', '') ?? null,
        status: c.Status,
        exitCode: Number(/Exited \((\d+)\)/.exec(c.Status)?.[1] ?? 0),
        image: c.Image,
        configHash: c.Labels['com.docker.compose.config-hash'] ?? null,
      }))
      .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0)); // not localeCompare: ICU collation data costs ~3 MB RSS
  }
}

export interface PublishedPort {
  service: string;
  /** The host address it is bound to ('0.0.0.0' or '::' for every interface). */
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

interface ApiContainer {
  Ports?: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Status: string;
  Labels: Record<string, string>;
}

interface ApiInspect {
  RestartCount?: number;
  State?: { Health?: { Status: string } };
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> };
}
