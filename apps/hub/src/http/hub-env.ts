import type { HttpBindings } from '@hono/node-server';
import type { ApiKeyPrincipal } from '@switchboard/core';

/** Who is calling: the API key that authenticated the request (`agentId` set for a key bound to an agent). */
export type Principal = ApiKeyPrincipal;

/**
 * Hono context variables set by the hub's middleware, and the Node request when served by
 * @hono/node-server (absent under `app.request()`).
 */
export type HubEnv = { Variables: { principal: Principal; requestId: string }; Bindings: Partial<HttpBindings> | undefined };
