/** Reads the served OpenAPI document in tests: which operations a router documents. */
import type { GatewayApp } from '../app.ts';

type Operations = Record<string, { operationId?: string; tags?: string[] }>;

/**
 * The operation ids tagged `tag`, sorted. Routers share path prefixes (chat and follows under
 * `/api/v1/channels/{slug}/…`), so a router's own operations are found by tag, not by path.
 */
export async function operationIdsTagged(app: GatewayApp, tag: string): Promise<(string | undefined)[]> {
  const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, Operations> };
  return Object.values(doc.paths)
    .flatMap((operations) => Object.values(operations))
    .filter((operation) => operation.tags?.includes(tag))
    .map((operation) => operation.operationId)
    .sort();
}
