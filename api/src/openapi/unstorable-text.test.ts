/**
 * Every operation of the served OpenAPI document, with a NUL (U+0000, which PostgreSQL's text cannot
 * hold) in each path parameter, query parameter, JSON body string and tus metadata value in turn: each
 * must be refused with a 4xx problem+json that names the field, never reach the database as a 500.
 */
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from '@streamhub/contracts/problem';
import { testDatabases } from '@streamhub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../app.ts';
import { registerAndLogin } from '../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../testing/test-deps.ts';

interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  minLength?: number;
  minimum?: number;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  schema: JsonSchema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

/** One request of the walk: which field carries the NUL, and the part a problem must name. */
interface Case {
  label: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** The problem's `errors` must name this field or a part of it. */
  field: string;
}

const NUL = '\u0000';
const withNul = (value: string) => `${value.slice(0, 1)}${NUL}${value.slice(1)}`;

function resolve(doc: OpenApiDocument, schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = doc.components.schemas[name];
  if (!target) throw new Error(`unresolved ${schema.$ref}`);
  return resolve(doc, target);
}

const typeOf = (schema: JsonSchema) =>
  (Array.isArray(schema.type) ? schema.type.find((type) => type !== 'null') : schema.type) ?? 'string';

/** A value the schema accepts, from its example, default or type: the other fields must not be the fault. */
function sample(doc: OpenApiDocument, raw: JsonSchema): unknown {
  const schema = resolve(doc, raw);
  const variant = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].find(
    (s) => resolve(doc, s).type !== 'null',
  );
  if (variant) return sample(doc, variant);
  if (schema.example !== undefined && typeOf(schema) !== 'array') return schema.example;
  if (schema.enum) return schema.enum[0];
  if (schema.default !== undefined && typeOf(schema) !== 'array') return schema.default;
  switch (typeOf(schema)) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([key, value]) => [key, sample(doc, value)]),
      );
    case 'array':
      return schema.items ? [sample(doc, schema.items)] : [];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    default:
      if (schema.format === 'uuid') return crypto.randomUUID();
      if (schema.format === 'email') return 'ada@example.com';
      if (schema.format === 'uri') return 'https://example.com/';
      return 'a'.repeat(Math.max(schema.minLength ?? 0, 12));
  }
}

/** The dotted path of every string in `value`, with the value at that path replaced by one with a NUL. */
function nulVariants(value: unknown, path: string[] = []): { path: string[]; value: unknown }[] {
  if (typeof value === 'string') return [{ path, value: withNul(value) }];
  if (Array.isArray(value)) {
    return value.flatMap((item, index) =>
      nulVariants(item, [...path, String(index)]).map((variant) => ({
        path: variant.path,
        value: value.map((other, at) => (at === index ? variant.value : other)),
      })),
    );
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) =>
      nulVariants(item, [...path, key]).map((variant) => ({
        path: variant.path,
        value: { ...value, [key]: variant.value },
      })),
    );
  }
  return [];
}

// tus byte counts are documented as plain strings; these pass their checks.
const HEADER_SAMPLES: Record<string, string> = { 'Upload-Length': '1000', 'Upload-Offset': '0' };

/** What one case changes in an otherwise valid request. */
interface Fault {
  label: string;
  field: string;
  param?: [Parameter, string];
  body?: unknown;
}

function casesOf(doc: OpenApiDocument, authorization: string): Case[] {
  const cases: Case[] = [];
  for (const [template, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const parameters = operation.parameters ?? [];
      const samples = new Map(
        parameters.map((p) => [p, HEADER_SAMPLES[p.name] ?? String(sample(doc, p.schema))]),
      );
      const jsonSchema = operation.requestBody?.content['application/json']?.schema;
      const validBody = jsonSchema ? sample(doc, jsonSchema) : undefined;
      const build = ({ label, field, param, body = validBody }: Fault): Case => {
        const valueFor = (p: Parameter) => (param?.[0] === p ? param[1] : (samples.get(p) ?? ''));
        let path = template;
        const query = new URLSearchParams();
        const allHeaders: Record<string, string> = { authorization };
        for (const p of parameters) {
          if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(valueFor(p)));
          // Optional query parameters stay out unless they carry the fault.
          if (p.in === 'query' && param?.[0] === p) query.set(p.name, valueFor(p));
          if (p.in === 'header') allHeaders[p.name] = valueFor(p);
        }
        if (body !== undefined) allHeaders['content-type'] = 'application/json';
        return {
          label: `${method.toUpperCase()} ${template} ${label}`,
          method: method.toUpperCase(),
          url: query.size > 0 ? `${path}?${query}` : path,
          headers: allHeaders,
          body: body === undefined ? undefined : JSON.stringify(body),
          field,
        };
      };
      for (const p of parameters) {
        if (p.in === 'path' || p.in === 'query') {
          const field = p.in === 'path' ? 'path' : `query.${p.name}`;
          cases.push(build({ label: `${p.in} ${p.name}`, field, param: [p, withNul(samples.get(p) ?? '')] }));
        }
        // A header cannot carry a NUL (clients and servers refuse it); tus metadata carries base64 text.
        if (p.in === 'header' && p.name.toLowerCase() === 'upload-metadata') {
          const metadata = `title ${Buffer.from(withNul('title')).toString('base64')}`;
          cases.push(
            build({ label: 'header Upload-Metadata', field: 'header.upload-metadata', param: [p, metadata] }),
          );
        }
      }
      for (const variant of nulVariants(validBody)) {
        const field = ['body', ...variant.path].join('.');
        cases.push(build({ label: field, field, body: variant.value }));
      }
    }
  }
  return cases;
}

describe.each(testDatabases())('a NUL in any text of any operation, on %s', (driver) => {
  let backends: TestBackends;
  let app: GatewayApp;
  let cases: Case[];

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    app = createApp(backends.deps({ RATE_LIMIT_MAX: '100000' })).app;
    const admin = await registerAndLogin(app, backends, { role: 'admin' });
    // The documents' example slug names a real channel, so its routes get past the lookup.
    const channel = await app.request('/api/v1/channels', {
      method: 'POST',
      headers: { authorization: admin.authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'ada-codes', title: 'A channel' }),
    });
    expect(channel.status).toBe(201);
    const doc = (await (await app.request('/openapi.json')).json()) as OpenApiDocument;
    cases = casesOf(doc, admin.authorization);
  });
  afterAll(() => backends.close());

  it('is refused with a 4xx problem+json naming the field, for every parameter and body string', async () => {
    expect(cases.length).toBeGreaterThan(100);
    const wrong: string[] = [];
    for (const request of cases) {
      const response = await app.request(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
      });
      const isProblem = response.headers.get('content-type') === PROBLEM_CONTENT_TYPE;
      // HEAD answers carry no body: the status and the type are all there is to check.
      const text = await response.text();
      const problem = isProblem && text ? ProblemSchema.safeParse(JSON.parse(text)) : undefined;
      const named =
        request.method === 'HEAD' ||
        problem?.data?.errors?.some((error) => error.path.startsWith(request.field));
      if (response.status < 400 || response.status >= 500 || !isProblem || !named) {
        wrong.push(`${request.label}: ${response.status} ${text.slice(0, 300)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
