/**
 * Generated from the control plane's OpenAPI document by `npm run web:api-types`
 * (packages/web/src/api-types/generate.ts); do not edit. `api-types.int.test.ts` fails when this file
 * differs from the live document.
 */
export interface paths {
  '/api/v1/setup': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              needsOwner: boolean;
            };
          };
        };
      };
    };
    put?: never;
    /** @description Create the owner account with the one-time setup token printed by the control plane at start. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            setupToken: string;
            email: string;
            password: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              user: {
                id: string;
                email: string;
                /** @enum {string} */
                role: 'owner' | 'user';
              };
              csrfToken: string;
              expiresAt: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/session': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              user: {
                id: string;
                email: string;
                /** @enum {string} */
                role: 'owner' | 'user';
              };
              csrfToken: string;
              expiresAt: string;
            };
          };
        };
      };
    };
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            email: string;
            password: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              user: {
                id: string;
                email: string;
                /** @enum {string} */
                role: 'owner' | 'user';
              };
              csrfToken: string;
              expiresAt: string;
            };
          };
        };
      };
    };
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/account/password': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Change your password. Every session of the account ends (this one too: log in again) and every API token is revoked, unless keepTokens is true. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            currentPassword: string;
            newPassword: string;
            /** @default false */
            keepTokens?: boolean;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/audit': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: {
          limit?: number;
          before?: number;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              entries: {
                seq: number;
                at: string;
                actorId: string | null;
                action: string;
                target: string | null;
                sourceIp: string | null;
                /** @enum {string} */
                outcome: 'ok' | 'denied' | 'failed';
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tokens': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              tokens: {
                id: string;
                name: string;
                /** @enum {string} */
                scope: 'read' | 'write';
                createdAt: string;
                expiresAt: string;
                lastUsedAt: string | null;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    /** @description Create an API token (shown once). Only a logged-in user can create tokens. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
            /** @enum {string} */
            scope: 'read' | 'write';
            /** @default 30 */
            expiresInDays?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              name: string;
              /** @enum {string} */
              scope: 'read' | 'write';
              createdAt: string;
              expiresAt: string;
              lastUsedAt: string | null;
              token: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tokens/revoke-all': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Revoke every API token of your account at once (a password change does it too, unless told to keep them). */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              revoked: number;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tokens/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/invitations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              invitations: {
                id: string;
                email: string;
                createdAt: string;
                expiresAt: string;
                acceptedAt: string | null;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    /** @description Invite a user (owner only). The token is shown once and is valid for 7 days. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            email: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              email: string;
              createdAt: string;
              expiresAt: string;
              acceptedAt: string | null;
              token: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/invitations/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/invitations/accept': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Accept an invitation: creates your account with the password you choose and logs you in. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            token: string;
            password: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              user: {
                id: string;
                email: string;
                /** @enum {string} */
                role: 'owner' | 'user';
              };
              csrfToken: string;
              expiresAt: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/users': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              users: {
                id: string;
                email: string;
                /** @enum {string} */
                role: 'owner' | 'user';
                createdAt: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/hosts': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description Your hosts. The owner may add `scope=all` to see every account’s hosts (audited). */
    get: {
      parameters: {
        query?: {
          scope?: 'mine' | 'all';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              hosts: {
                id: string;
                ownerId: string;
                name: string;
                /** @enum {string} */
                state: 'pending' | 'enrolled' | 'revoked';
                /** @enum {string} */
                presence: 'online' | 'stale' | 'offline' | 'never-connected';
                agentId: string | null;
                agentVersion: string | null;
                hostname: string | null;
                createdAt: string;
                enrolledAt: string | null;
                revokedAt: string | null;
                lastSeenAt: string | null;
                lastReport: {
                  [key: string]: unknown;
                } | null;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    /** @description Add a host. Returns a one-time enrollment token (valid 1 hour by default) and the install command to run on the host. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            name: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              host: {
                id: string;
                ownerId: string;
                name: string;
                /** @enum {string} */
                state: 'pending' | 'enrolled' | 'revoked';
                /** @enum {string} */
                presence: 'online' | 'stale' | 'offline' | 'never-connected';
                agentId: string | null;
                agentVersion: string | null;
                hostname: string | null;
                createdAt: string;
                enrolledAt: string | null;
                revokedAt: string | null;
                lastSeenAt: string | null;
                lastReport: {
                  [key: string]: unknown;
                } | null;
              };
              enrollment: {
                token: string;
                expiresAt: string;
                installCommand: string;
                warning: string | null;
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/hosts/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              ownerId: string;
              name: string;
              /** @enum {string} */
              state: 'pending' | 'enrolled' | 'revoked';
              /** @enum {string} */
              presence: 'online' | 'stale' | 'offline' | 'never-connected';
              agentId: string | null;
              agentVersion: string | null;
              hostname: string | null;
              createdAt: string;
              enrolledAt: string | null;
              revokedAt: string | null;
              lastSeenAt: string | null;
              lastReport: {
                [key: string]: unknown;
              } | null;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/hosts/{id}/enrollment': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description A new enrollment token for a host that has not enrolled yet; older tokens stop working. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              token: string;
              expiresAt: string;
              installCommand: string;
              warning: string | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/hosts/{id}/revoke': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Revoke a host: its agent key stops being accepted and its connection is closed at once; open tasks are cancelled. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              ownerId: string;
              name: string;
              /** @enum {string} */
              state: 'pending' | 'enrolled' | 'revoked';
              /** @enum {string} */
              presence: 'online' | 'stale' | 'offline' | 'never-connected';
              agentId: string | null;
              agentVersion: string | null;
              hostname: string | null;
              createdAt: string;
              enrolledAt: string | null;
              revokedAt: string | null;
              lastSeenAt: string | null;
              lastReport: {
                [key: string]: unknown;
              } | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/hosts/{id}/tasks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Queue an operation for a host. It is stored first, sent as soon as the agent is connected, and expires if the host stays offline past the deadline. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            op: string;
            params?: unknown;
            /** @default 3600 */
            deadlineSeconds?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              hostId: string;
              op: string;
              params: unknown;
              /** @enum {string} */
              state: 'queued' | 'sent' | 'running' | 'succeeded' | 'failed' | 'expired' | 'cancelled';
              createdBy: string | null;
              createdAt: string;
              deadline: string;
              sentAt: string | null;
              deliveries: number;
              finishedAt: string | null;
              result: unknown;
              error: {
                code: string;
                message: string;
              } | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tasks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description Your tasks, newest first. The owner may add `scope=all` to see every account’s (audited). */
    get: {
      parameters: {
        query?: {
          hostId?: string;
          state?: 'queued' | 'sent' | 'running' | 'succeeded' | 'failed' | 'expired' | 'cancelled';
          limit?: number;
          before?: string;
          scope?: 'mine' | 'all';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              tasks: {
                id: string;
                hostId: string;
                op: string;
                params: unknown;
                /** @enum {string} */
                state: 'queued' | 'sent' | 'running' | 'succeeded' | 'failed' | 'expired' | 'cancelled';
                createdBy: string | null;
                createdAt: string;
                deadline: string;
                sentAt: string | null;
                deliveries: number;
                finishedAt: string | null;
                result: unknown;
                error: {
                  code: string;
                  message: string;
                } | null;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    /** @description Queue the same operation for many of your hosts at once (one task per host). */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            hostIds: string[];
            op: string;
            params?: unknown;
            /** @default 3600 */
            deadlineSeconds?: number;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              tasks: {
                id: string;
                hostId: string;
                op: string;
                params: unknown;
                /** @enum {string} */
                state: 'queued' | 'sent' | 'running' | 'succeeded' | 'failed' | 'expired' | 'cancelled';
                createdBy: string | null;
                createdAt: string;
                deadline: string;
                sentAt: string | null;
                deliveries: number;
                finishedAt: string | null;
                result: unknown;
                error: {
                  code: string;
                  message: string;
                } | null;
              }[];
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tasks/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              hostId: string;
              op: string;
              params: unknown;
              /** @enum {string} */
              state: 'queued' | 'sent' | 'running' | 'succeeded' | 'failed' | 'expired' | 'cancelled';
              createdBy: string | null;
              createdAt: string;
              deadline: string;
              sentAt: string | null;
              deliveries: number;
              finishedAt: string | null;
              result: unknown;
              error: {
                code: string;
                message: string;
              } | null;
              events: {
                seq: number;
                at: string;
                progress: {
                  phase: string;
                  done?: number;
                  total?: number;
                  unit?: string;
                } | null;
                log: string | null;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tasks/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              hostId: string;
              op: string;
              params: unknown;
              /** @enum {string} */
              state: 'queued' | 'sent' | 'running' | 'succeeded' | 'failed' | 'expired' | 'cancelled';
              createdBy: string | null;
              createdAt: string;
              deadline: string;
              sentAt: string | null;
              deliveries: number;
              finishedAt: string | null;
              result: unknown;
              error: {
                code: string;
                message: string;
              } | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tasks/{id}/stream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description Server-Sent Events of one task: `event` for each progress event (stored ones first), `task` on each state change; the stream ends when the task finishes. */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/stream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description Server-Sent Events of every change to your tasks (`task`, `event`), for consoles and `gnm tasks watch`. */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/agent/v1/enroll': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Enroll an agent with its one-time token and its new Ed25519 public key. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            token: string;
            publicKey: string;
            proof: string;
            agentVersion: string;
            hostname: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              agentId: string;
              hostId: string;
              hostName: string;
              cpPublicKey: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/instance': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The pins an install command carries, and how TLS is set up. Public: nothing here is secret. */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              publicUrl: string;
              cpFingerprint: string;
              cpPublicKey: string;
              /** @enum {string} */
              tlsMode: 'self-signed' | 'file' | 'proxy' | 'plain';
              tlsPin: string | null;
              tlsCertificateExpires: string | null;
              rootSha256: string | null;
              agentsConnected: number;
              reportIntervalMs: number;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/bundles': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The imported bundles. */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              bundles: {
                name: string;
                version: string;
                gonkaRelease: string;
                importedAt: string;
                fileCount: number;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    /** @description Import a signed repository archive from `gnm bundle export` (the body is the .tar.gz, content-type application/gzip or application/octet-stream, at most 64 MiB). Owner only. The first import makes its 1.root.json the trusted root (compare initialRootSha256 with the release authority's); later ones must chain from it. Nothing is stored unless everything verifies. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              changed: boolean;
              trustEstablished: boolean;
              initialRootSha256: string | null;
              rootSha256: string;
              rootVersion: number;
              targetsVersion: number;
              resigned: boolean;
              bundles: {
                name: string;
                version: string;
                gonkaRelease: string;
                importedAt: string;
                fileCount: number;
                new: boolean;
              }[];
              warning: string | null;
            };
          };
        };
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              changed: boolean;
              trustEstablished: boolean;
              initialRootSha256: string | null;
              rootSha256: string;
              rootVersion: number;
              targetsVersion: number;
              resigned: boolean;
              bundles: {
                name: string;
                version: string;
                gonkaRelease: string;
                importedAt: string;
                fileCount: number;
                new: boolean;
              }[];
              warning: string | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/bundles/trust': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The trusted root (its sha256 is the pin of the install command), the timestamp expiry, and whether the online keys are usable. */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              rootSha256: string | null;
              rootVersion: number | null;
              timestampExpiresAt: string | null;
              onlineKeys: boolean;
              onlineKeysProblem: string | null;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/bundles/online-keys': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** @description Give the control plane the online snapshot and timestamp private keys (PKCS#8 PEM, from `gnm bundle keys init`); they are stored encrypted and replace the previous ones. Root and targets keys are refused: they stay offline. Owner only. */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            keys: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              keys: {
                keyId: string;
                /** @enum {string} */
                role: 'snapshot' | 'timestamp';
              }[];
              resigned: boolean;
              warning: string | null;
            };
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/tuf/v1/metadata/{file}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description TUF metadata (root.json, <v>.root.json, timestamp.json, <v>.snapshot.json, <v>.targets.json). */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          file: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/tuf/v1/targets/{*}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description A signed target file, as `<dir>/<sha256>.<name>` (consistent snapshots). */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          '*': string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/nodes': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description Your nodes, newest first. The owner may add `scope=all` to see every account’s (audited). */
    get: {
      parameters: {
        query?: {
          scope?: 'mine' | 'all';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              nodes: {
                id: string;
                hostId: string;
                name: string;
                /** @enum {string} */
                role: 'network' | 'mlnode' | 'full';
                network: string;
                state: string;
                config: unknown;
                release: string | null;
                lastTaskId: string | null;
                lastError: string | null;
                warmKey: {
                  address: string;
                  pubkey: string | null;
                  mnemonicFile: string | null;
                } | null;
                registration: {
                  registeredAt: string;
                  consensusKey: string | null;
                } | null;
                health: {
                  /** @enum {string} */
                  status: 'ok' | 'warning' | 'critical' | 'unknown';
                  reason: string;
                  at: string | null;
                  checks: {
                    name: string;
                    status: string;
                    detail: string;
                  }[];
                  facts: unknown;
                };
                coldKey: {
                  commands: {
                    id: string;
                    title: string;
                    why: string;
                    command: string;
                    argv: string[];
                  }[];
                  checklist: {
                    id: string;
                    title: string;
                    state: string;
                    hint: string;
                  }[];
                } | null;
                createdAt: string;
                updatedAt: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    /** @description Configure a node on a host: public values only. Cold-key material (a mnemonic, a private key) in any field is refused and never stored. Leave `serving` out to take the recommender’s proposal for the host’s GPUs. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            hostId: string;
            config: unknown;
          };
        };
      };
      responses: {
        /** @description Default Response */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              hostId: string;
              name: string;
              /** @enum {string} */
              role: 'network' | 'mlnode' | 'full';
              network: string;
              state: string;
              config: unknown;
              release: string | null;
              lastTaskId: string | null;
              lastError: string | null;
              warmKey: {
                address: string;
                pubkey: string | null;
                mnemonicFile: string | null;
              } | null;
              registration: {
                registeredAt: string;
                consensusKey: string | null;
              } | null;
              health: {
                /** @enum {string} */
                status: 'ok' | 'warning' | 'critical' | 'unknown';
                reason: string;
                at: string | null;
                checks: {
                  name: string;
                  status: string;
                  detail: string;
                }[];
                facts: unknown;
              };
              coldKey: {
                commands: {
                  id: string;
                  title: string;
                  why: string;
                  command: string;
                  argv: string[];
                }[];
                checklist: {
                  id: string;
                  title: string;
                  state: string;
                  hint: string;
                }[];
              } | null;
              createdAt: string;
              updatedAt: string;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/hosts/{id}/recommendation': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The serving configuration proposed for the host’s probed GPUs and the models the network allows now (read live from its seed; the bundle’s list when it does not answer), each value with its reason, or “not viable” with why. */
    get: {
      parameters: {
        query?: {
          network?: 'mainnet' | 'testnet' | 'sim';
          seedApi?: string;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              [key: string]: unknown;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/nodes/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              hostId: string;
              name: string;
              /** @enum {string} */
              role: 'network' | 'mlnode' | 'full';
              network: string;
              state: string;
              config: unknown;
              release: string | null;
              lastTaskId: string | null;
              lastError: string | null;
              warmKey: {
                address: string;
                pubkey: string | null;
                mnemonicFile: string | null;
              } | null;
              registration: {
                registeredAt: string;
                consensusKey: string | null;
              } | null;
              health: {
                /** @enum {string} */
                status: 'ok' | 'warning' | 'critical' | 'unknown';
                reason: string;
                at: string | null;
                checks: {
                  name: string;
                  status: string;
                  detail: string;
                }[];
                facts: unknown;
              };
              coldKey: {
                commands: {
                  id: string;
                  title: string;
                  why: string;
                  command: string;
                  argv: string[];
                }[];
                checklist: {
                  id: string;
                  title: string;
                  state: string;
                  hint: string;
                }[];
              } | null;
              createdAt: string;
              updatedAt: string;
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/nodes/{id}/config': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** @description Replace the configuration (applied by the next deploy). */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            config: unknown;
          };
        };
      };
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              hostId: string;
              name: string;
              /** @enum {string} */
              role: 'network' | 'mlnode' | 'full';
              network: string;
              state: string;
              config: unknown;
              release: string | null;
              lastTaskId: string | null;
              lastError: string | null;
              warmKey: {
                address: string;
                pubkey: string | null;
                mnemonicFile: string | null;
              } | null;
              registration: {
                registeredAt: string;
                consensusKey: string | null;
              } | null;
              health: {
                /** @enum {string} */
                status: 'ok' | 'warning' | 'critical' | 'unknown';
                reason: string;
                at: string | null;
                checks: {
                  name: string;
                  status: string;
                  detail: string;
                }[];
                facts: unknown;
              };
              coldKey: {
                commands: {
                  id: string;
                  title: string;
                  why: string;
                  command: string;
                  argv: string[];
                }[];
                checklist: {
                  id: string;
                  title: string;
                  state: string;
                  hint: string;
                }[];
              } | null;
              createdAt: string;
              updatedAt: string;
            };
          };
        };
      };
    };
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/nodes/{id}/deploy': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Deploy (or re-deploy) the node: preflight, pull, tmkms and node, the warm key on the host, model weights, the rest, health. Follow the returned task. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            /** @default [] */
            acceptWarnings?: string[];
          };
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              hostId: string;
              op: string;
              params: unknown;
              /** @enum {string} */
              state: 'queued' | 'sent' | 'running' | 'succeeded' | 'failed' | 'expired' | 'cancelled';
              createdBy: string | null;
              createdAt: string;
              deadline: string;
              sentAt: string | null;
              deliveries: number;
              finishedAt: string | null;
              result: unknown;
              error: {
                code: string;
                message: string;
              } | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/nodes/{id}/register': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Check PUBLIC_URL and the P2P port from outside the host, then register the node (register-new-participant, public data only). */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              task: {
                id: string;
                hostId: string;
                op: string;
                params: unknown;
                /** @enum {string} */
                state: 'queued' | 'sent' | 'running' | 'succeeded' | 'failed' | 'expired' | 'cancelled';
                createdBy: string | null;
                createdAt: string;
                deadline: string;
                sentAt: string | null;
                deliveries: number;
                finishedAt: string | null;
                result: unknown;
                error: {
                  code: string;
                  message: string;
                } | null;
              };
              reachability: {
                publicUrl: {
                  ok: boolean;
                  reason?: string;
                  detail: string;
                };
                p2p: {
                  ok: boolean;
                  reason?: string;
                  detail: string;
                };
              };
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/nodes/{id}/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Read the node’s health now (containers, sync, setup report, ML node). */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              hostId: string;
              op: string;
              params: unknown;
              /** @enum {string} */
              state: 'queued' | 'sent' | 'running' | 'succeeded' | 'failed' | 'expired' | 'cancelled';
              createdBy: string | null;
              createdAt: string;
              deadline: string;
              sentAt: string | null;
              deliveries: number;
              finishedAt: string | null;
              result: unknown;
              error: {
                code: string;
                message: string;
              } | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/nodes/{id}/model-download': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Download the configured model’s weights into HF_HOME through the ML node (resumes a cut download). */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              hostId: string;
              op: string;
              params: unknown;
              /** @enum {string} */
              state: 'queued' | 'sent' | 'running' | 'succeeded' | 'failed' | 'expired' | 'cancelled';
              createdBy: string | null;
              createdAt: string;
              deadline: string;
              sentAt: string | null;
              deliveries: number;
              finishedAt: string | null;
              result: unknown;
              error: {
                code: string;
                message: string;
              } | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/nodes/{id}/keys/backup': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Encrypt the host’s key material to your age public key into a file on the host (for you to copy off). The control plane never sees the material. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': {
            recipient: string;
          };
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              hostId: string;
              op: string;
              params: unknown;
              /** @enum {string} */
              state: 'queued' | 'sent' | 'running' | 'succeeded' | 'failed' | 'expired' | 'cancelled';
              createdBy: string | null;
              createdAt: string;
              deadline: string;
              sentAt: string | null;
              deliveries: number;
              finishedAt: string | null;
              result: unknown;
              error: {
                code: string;
                message: string;
              } | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/nodes/{id}/attachments': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The attachments a node takes part in (as network node or as ML node), newest first. */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              attachments: {
                id: string;
                networkNodeId: string;
                mlNodeId: string;
                networkAddress: string;
                mlAddress: string;
                callbackUrl: string;
                /** @enum {string} */
                state: 'attaching' | 'attached' | 'failed' | 'detaching' | 'detached';
                step: string | null;
                stepTaskId: string | null;
                error: string | null;
                checks: {
                  network: {
                    id: string;
                    target: string;
                    ok: boolean;
                    failure: string | null;
                    detail: string;
                  }[];
                  ml: {
                    id: string;
                    target: string;
                    ok: boolean;
                    failure: string | null;
                    detail: string;
                  }[];
                } | null;
                warnings: string[];
                createdAt: string;
                updatedAt: string;
                attachedAt: string | null;
                detachedAt: string | null;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    /** @description Attach an ML node (role mlnode, on another host) to this network or full node. `networkAddress` is the network node’s address as the ML host reaches it, `mlAddress` the ML host’s as the network node reaches it: private addresses, or public ones with `allowPublic`. The flow runs in the background: 202 with the attachment; it turns `attached`, or `failed` with what to fix. */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': unknown;
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              networkNodeId: string;
              mlNodeId: string;
              networkAddress: string;
              mlAddress: string;
              callbackUrl: string;
              /** @enum {string} */
              state: 'attaching' | 'attached' | 'failed' | 'detaching' | 'detached';
              step: string | null;
              stepTaskId: string | null;
              error: string | null;
              checks: {
                network: {
                  id: string;
                  target: string;
                  ok: boolean;
                  failure: string | null;
                  detail: string;
                }[];
                ml: {
                  id: string;
                  target: string;
                  ok: boolean;
                  failure: string | null;
                  detail: string;
                }[];
              } | null;
              warnings: string[];
              createdAt: string;
              updatedAt: string;
              attachedAt: string | null;
              detachedAt: string | null;
            };
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/attachments/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              networkNodeId: string;
              mlNodeId: string;
              networkAddress: string;
              mlAddress: string;
              callbackUrl: string;
              /** @enum {string} */
              state: 'attaching' | 'attached' | 'failed' | 'detaching' | 'detached';
              step: string | null;
              stepTaskId: string | null;
              error: string | null;
              checks: {
                network: {
                  id: string;
                  target: string;
                  ok: boolean;
                  failure: string | null;
                  detail: string;
                }[];
                ml: {
                  id: string;
                  target: string;
                  ok: boolean;
                  failure: string | null;
                  detail: string;
                }[];
              } | null;
              warnings: string[];
              createdAt: string;
              updatedAt: string;
              attachedAt: string | null;
              detachedAt: string | null;
            };
          };
        };
      };
    };
    /** @description Change the addresses (or the callback URL) of an attachment, or run its flow again with the same ones: rules, binding and registration are updated. */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': unknown;
        };
      };
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              networkNodeId: string;
              mlNodeId: string;
              networkAddress: string;
              mlAddress: string;
              callbackUrl: string;
              /** @enum {string} */
              state: 'attaching' | 'attached' | 'failed' | 'detaching' | 'detached';
              step: string | null;
              stepTaskId: string | null;
              error: string | null;
              checks: {
                network: {
                  id: string;
                  target: string;
                  ok: boolean;
                  failure: string | null;
                  detail: string;
                }[];
                ml: {
                  id: string;
                  target: string;
                  ok: boolean;
                  failure: string | null;
                  detail: string;
                }[];
              } | null;
              warnings: string[];
              createdAt: string;
              updatedAt: string;
              attachedAt: string | null;
              detachedAt: string | null;
            };
          };
        };
      };
    };
    post?: never;
    /** @description Detach: the ML node is disabled through the Admin API (it serves to the end of the epoch and skips the next PoC), deleted once the next epoch has begun, then the firewall rules of both hosts are updated. 202; follow `state` until `detached`. */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              id: string;
              networkNodeId: string;
              mlNodeId: string;
              networkAddress: string;
              mlAddress: string;
              callbackUrl: string;
              /** @enum {string} */
              state: 'attaching' | 'attached' | 'failed' | 'detaching' | 'detached';
              step: string | null;
              stepTaskId: string | null;
              error: string | null;
              checks: {
                network: {
                  id: string;
                  target: string;
                  ok: boolean;
                  failure: string | null;
                  detail: string;
                }[];
                ml: {
                  id: string;
                  target: string;
                  ok: boolean;
                  failure: string | null;
                  detail: string;
                }[];
              } | null;
              warnings: string[];
              createdAt: string;
              updatedAt: string;
              attachedAt: string | null;
              detachedAt: string | null;
            };
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/fleet': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description One row per host and the node it carries: presence, versions, health and its reason, block height and lag, ML node states, GPUs. Compact (the host and node lists carry full reports). The owner may add `scope=all` (audited). */
    get: {
      parameters: {
        query?: {
          scope?: 'mine' | 'all';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              rows: {
                hostId: string;
                hostName: string;
                hostname: string | null;
                ownerId: string;
                /** @enum {string} */
                presence: 'online' | 'stale' | 'offline' | 'never-connected';
                /** @enum {string} */
                hostState: 'pending' | 'enrolled' | 'revoked';
                agentVersion: string | null;
                lastSeenAt: string | null;
                nodeId: string | null;
                nodeName: string | null;
                /** @enum {string|null} */
                role: 'network' | 'mlnode' | 'full' | null;
                nodeState: string | null;
                release: string | null;
                /** @enum {string} */
                health: 'ok' | 'warning' | 'critical' | 'unknown';
                healthReason: string;
                height: number | null;
                lag: number | null;
                mlStatus: string | null;
                gpuCount: number;
                gpus: string;
              }[];
            };
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/agent/v1/gnm-agent-linux-x64': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The gnm-agent executable (Linux x86-64)
     * @description What the installer downloads (with the TLS pin of the install command). Public: no host has credentials yet. Header X-Checksum-Sha256 carries its digest; the installer checks the digest embedded in /install.sh.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/agent/v1/gnm-agent-linux-x64.sha256': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The SHA-256 of the gnm-agent executable (sha256sum format) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/status': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Default Response */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: never;
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
