import type { HttpBindings } from '@hono/node-server';
import type { Scope } from '@switchboard/core';

/** Who is calling: the API key that authenticated the request. */
export interface Principal {
  keyId: string;
  name: string;
  scopes: Scope[];
  /** Set when the key is bound to one agent: it then acts only as that agent. */
  agentId?: string;
}

/**
 * Hono context variables set by the hub's middleware, and the Node request when served by
 * @hono/node-server (absent under `app.request()`).
 */
export type HubEnv = { Variables: { principal: Principal; requestId: string }; Bindings: Partial<HttpBindings> | undefined };
