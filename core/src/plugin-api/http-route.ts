/** A framework-neutral HTTP request as a plugin sees it: the raw body is kept for signature checks. */
export interface PluginHttpRequest {
  method: string;
  /** Path below the plugin's mount point, starting with '/'. */
  path: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  rawBody: Uint8Array;
}

export interface PluginHttpResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless a string. */
  body?: unknown;
}

/**
 * An HTTP endpoint a plugin serves, mounted by the hub at `/plugins/{instanceId}{path}`.
 * These routes carry no API key: the plugin authenticates them itself (signatures).
 */
export interface PluginHttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** One line for the OpenAPI document (default: the method, path and instance). */
  summary?: string;
  /** What the endpoint does and how it authenticates callers, for the OpenAPI document. */
  description?: string;
  /** Largest accepted body in bytes; the hub answers 413 past it (default 1 MiB). */
  bodyLimit?: number;
  handle(request: PluginHttpRequest): Promise<PluginHttpResponse>;
}
