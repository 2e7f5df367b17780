import { z } from 'zod';

/**
 * Control-plane configuration, from environment variables only. Every variable is documented in the
 * README's configuration table; keep the two in step.
 */
const EnvSchema = z.object({
  GNM_HOST: z.string().min(1).default('127.0.0.1'),
  GNM_PORT: z.coerce.number().int().min(1).max(65535).default(8787),
  GNM_DATA_DIR: z.string().min(1).default('.gnm-data'),
  DATABASE_URL: z.string().optional(),
  GNM_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = {
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL URL for the scale-out mode; unset = embedded SQLite in the data folder. */
  databaseUrl: string | undefined;
  logLevel: z.infer<typeof EnvSchema>['GNM_LOG_LEVEL'];
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; a bad value is an error naming the variable and what it accepts. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const r = EnvSchema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(
      `invalid configuration (see the configuration table in README.md):\n${lines.join('\n')}`,
    );
  }
  return {
    host: r.data.GNM_HOST,
    port: r.data.GNM_PORT,
    dataDir: r.data.GNM_DATA_DIR,
    databaseUrl: r.data.DATABASE_URL || undefined,
    logLevel: r.data.GNM_LOG_LEVEL,
  };
}
