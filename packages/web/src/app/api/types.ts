import type { paths } from './schema.gen';

/** Names for the answers pages use, taken from the generated OpenAPI types. */
type Json<T> = T extends { content: { 'application/json': infer J } } ? J : never;

export type Session = Json<paths['/api/v1/session']['get']['responses'][200]>;
export type User = Session['user'];
export type Host = Json<paths['/api/v1/hosts/{id}']['get']['responses'][200]>;
export type Enrollment = Json<paths['/api/v1/hosts/{id}/enrollment']['post']['responses'][201]>;
export type NodeView = Json<paths['/api/v1/nodes/{id}']['get']['responses'][200]>;
export type Task = Json<paths['/api/v1/tasks/{id}']['get']['responses'][200]>;
export type TaskSummary = Omit<Task, 'events'>;
export type TaskEvent = Task['events'][number];
export type ApiToken = Json<paths['/api/v1/tokens']['get']['responses'][200]>['tokens'][number];
export type AuditEntry = Json<paths['/api/v1/audit']['get']['responses'][200]>['entries'][number];
export type Invitation = Json<paths['/api/v1/invitations']['get']['responses'][200]>['invitations'][number];
export type AccountUser = Json<paths['/api/v1/users']['get']['responses'][200]>['users'][number];
export type Instance = Json<paths['/api/v1/instance']['get']['responses'][200]>;
