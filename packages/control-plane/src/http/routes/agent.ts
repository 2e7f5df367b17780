import { EnrollRequest, EnrollResponse } from '@gnm/protocol';
import { z } from 'zod';
import type { RouteContext, ZodApi } from '../context.js';

/**
 * What agents call over HTTPS besides their WebSocket: enrollment (token + public key + proof), and
 * the instance's public pins (what an install script double-checks).
 */
export function agentRoutes(api: ZodApi, ctx: RouteContext): void {
  api.post(
    '/agent/v1/enroll',
    {
      config: {
        rateLimit: { max: 20, timeWindow: '1 minute' },
        coldKey: { typed: { token: 'product-secret', publicKey: 'ed25519-public-key' } },
      },
      schema: {
        tags: ['agent'],
        description: 'Enroll an agent with its one-time token and its new Ed25519 public key.',
        body: EnrollRequest,
        response: { 201: EnrollResponse },
      },
    },
    async (req, reply) => {
      const host = await ctx.enrollment.enroll(req.body, ctx.ip(req));
      return reply.status(201).send({
        agentId: host.agent_id ?? '',
        hostId: host.id,
        hostName: host.name,
        cpPublicKey: ctx.identity.publicKey,
      });
    },
  );

  api.get(
    '/api/v1/instance',
    {
      schema: {
        tags: ['instance'],
        description:
          'The pins an install command carries, and how TLS is set up. Public: nothing here is secret.',
        response: {
          200: z.object({
            publicUrl: z.string(),
            cpFingerprint: z.string(),
            cpPublicKey: z.string(),
            tlsMode: z.enum(['self-signed', 'file', 'proxy', 'plain']),
            tlsPin: z.string().nullable(),
            tlsCertificateExpires: z.string().nullable(),
            rootSha256: z.string().nullable(),
            agentsConnected: z.number(),
            reportIntervalMs: z.number(),
          }),
        },
      },
    },
    async () => {
      const pins = await ctx.pins();
      return {
        ...pins,
        cpPublicKey: ctx.identity.publicKey,
        tlsMode: ctx.tls.mode,
        tlsCertificateExpires: ctx.tls.notAfter,
        agentsConnected: ctx.gateway.connectedCount,
        reportIntervalMs: ctx.currentReportIntervalMs(),
      };
    },
  );
}
