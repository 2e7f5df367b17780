import { z } from 'zod';

/**
 * The recommender's proposal (GET /api/v1/hosts/:id/recommendation). The OpenAPI document types it as
 * a free-form object, so the console parses the part it shows: packages/gonka's Recommendation.
 */
const Reason = z.object({ field: z.string(), value: z.string(), reason: z.string() });
export type Reason = z.infer<typeof Reason>;

const AllowedModels = z.object({
  source: z.enum(['live', 'bundle']),
  ids: z.array(z.string()),
  fallbackReason: z.string().optional(),
});

export const Recommendation = z.discriminatedUnion('viable', [
  z.object({
    viable: z.literal(true),
    model: z.string(),
    tensorParallelSize: z.number(),
    instances: z.number(),
    gpuMemoryUtilization: z.number(),
    maxModelLen: z.number(),
    kvCacheDtype: z.string(),
    maxConcurrent: z.number(),
    args: z.array(z.string()),
    sizeGb: z.number(),
    mlnodeImage: z.string(),
    officialProfile: z.string().optional(),
    reasons: z.array(Reason),
    notViable: z.array(z.object({ model: z.string(), reason: z.string() })),
    allowedModels: AllowedModels,
  }),
  z.object({
    viable: z.literal(false),
    reason: z.string(),
    notViable: z.array(z.object({ model: z.string(), reason: z.string() })),
    allowedModels: AllowedModels,
  }),
]);
export type Recommendation = z.infer<typeof Recommendation>;
