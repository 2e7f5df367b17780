import fs from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AgentBinaryUnavailable, type AgentBinary } from '../../agent-dist/agent-binary.js';
import { AGENT_PATH, renderInstallScript } from '../../agent-dist/install-script.js';

const RETRY_AFTER_S = 10;

/**
 * What an install command downloads, without credentials (the host has none yet): the installer and
 * the agent executable. Integrity does not come from authentication but from the pin the command
 * carries (curl checks it for both downloads) and the digest the installer checks.
 */
export function registerAgentDistRoutes(
  app: FastifyInstance,
  o: { publicUrl: string; binary: AgentBinary; version: string },
): void {
  /** 503 with what to do; while the build at start runs, Retry-After tells installers when to come back. */
  const unavailable = (reply: FastifyReply, e: unknown) => {
    if (!(e instanceof AgentBinaryUnavailable)) throw e;
    if (e.reason === 'building') reply.header('retry-after', RETRY_AFTER_S);
    return reply
      .code(503)
      .type('application/problem+json')
      .send({
        type: 'about:blank',
        title: 'The agent executable is not available',
        status: 503,
        detail: `${e.message}.`,
      });
  };

  app.get('/install.sh', { schema: { hide: true } }, async (_req, reply) => {
    try {
      const a = await o.binary.get();
      reply.header('cache-control', 'no-store').type('text/x-shellscript; charset=utf-8');
      return renderInstallScript({ publicUrl: o.publicUrl, sha256: a.sha256, version: o.version });
    } catch (e) {
      return unavailable(reply, e);
    }
  });

  app.get(
    AGENT_PATH,
    {
      schema: {
        tags: ['agent'],
        summary: 'The gnm-agent executable (Linux x86-64)',
        description:
          'What the installer downloads (with the TLS pin of the install command). Public: no host has credentials yet. Header X-Checksum-Sha256 carries its digest; the installer checks the digest embedded in /install.sh.',
      },
    },
    async (_req, reply) => {
      try {
        const a = await o.binary.get();
        reply
          .header('content-length', a.bytes)
          .header('x-checksum-sha256', a.sha256)
          .header('cache-control', 'no-cache')
          .header('content-disposition', 'attachment; filename="gnm-agent"')
          .type('application/octet-stream');
        return reply.send(fs.createReadStream(a.file));
      } catch (e) {
        return unavailable(reply, e);
      }
    },
  );

  app.get(
    `${AGENT_PATH}.sha256`,
    {
      schema: {
        tags: ['agent'],
        summary: 'The SHA-256 of the gnm-agent executable (sha256sum format)',
      },
    },
    async (_req, reply) => {
      try {
        const a = await o.binary.get();
        reply.type('text/plain; charset=utf-8');
        return `${a.sha256}  gnm-agent\n`;
      } catch (e) {
        return unavailable(reply, e);
      }
    },
  );
}
