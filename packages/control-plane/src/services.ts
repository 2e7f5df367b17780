/**
 * The domain services the HTTP layer and the agent gateway share; built once per process in
 * `control-plane.ts`.
 */
export interface Services {}
