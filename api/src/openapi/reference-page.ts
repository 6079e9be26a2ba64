/**
 * The API reference at `/docs`, rendered on the server from the OpenAPI document: the whole reference
 * is in the HTML, so the first screen shows at once, with no script, font or request to anywhere but
 * this gateway (the page's script only adds a filter). Text from the document goes through hono/html's
 * `html`, which escapes it.
 */
import { html } from 'hono/html';
import { docsText as t } from '../web/i18n/docs.en.ts';
import { type Html, layout } from '../web/page-layout.ts';
import type { WebAssets } from '../web/web-assets.ts';

/** The parts of an OpenAPI 3.1 document the page reads (the gateway's own, from buildOpenApiDocument). */
export interface ReferenceDocument {
  info: { title: string; version: string; description?: string };
  servers?: { url: string }[];
  paths?: Record<string, Record<string, unknown>>;
  components?: {
    schemas?: Record<string, Schema>;
    securitySchemes?: Record<string, { type?: string; scheme?: string; description?: string }>;
  };
}

interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

interface Content {
  content?: Record<string, { schema?: Schema }>;
}

interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  security?: Record<string, unknown>[];
  parameters?: Parameter[];
  requestBody?: Content & { required?: boolean };
  responses?: Record<string, Content & { description?: string }>;
}

interface Entry {
  method: string;
  path: string;
  id: string;
  operation: Operation;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export function referencePage(document: ReferenceDocument, assets: WebAssets): Html {
  const groups = byTag(operations(document));
  const render = new SchemaRenderer(document.components?.schemas ?? {});
  const { info } = document;
  const server = document.servers?.[0]?.url;
  const bearer = document.components?.securitySchemes?.bearerAuth;
  const schemas = Object.entries(document.components?.schemas ?? {});
  const body = html`<div class="docs">
  <nav class="docs-nav" aria-label="${t.operations}">
    <input id="docs-filter" type="search" placeholder="${t.filter}" aria-label="${t.filter}" hidden />
    ${groups.map(
      // Labels, not headings: the page's outline starts at its <h1>, after the sidebar.
      ([tag, entries]) => html`<section class="nav-group" data-tag="${tag}">
      <p class="nav-tag" id="nav-${tag}">${tag}</p>
      <ul aria-labelledby="nav-${tag}">
        ${entries.map(
          (entry) => html`<li data-search="${searchText(entry)}">
          <a href="#${entry.id}" title="${entry.operation.summary ?? ''}">${methodBadge(entry.method)} <span class="nav-path">${entry.path}</span></a>
        </li>`,
        )}
      </ul>
    </section>`,
    )}
    ${schemas.length ? html`<p class="nav-schemas"><a href="#schemas">${t.schemas}</a></p>` : ''}
  </nav>
  <main class="docs-main">
    <header class="docs-header">
      <h1>${info.title} <span class="version">${info.version}</span></h1>
      ${info.description ? html`<p>${inline(info.description)}</p>` : ''}
      <dl class="facts">
        ${server ? html`<dt>${t.baseUrl}</dt><dd><code>${server}</code></dd>` : ''}
        ${bearer ? html`<dt>${t.authentication}</dt><dd>${bearerText(bearer)}</dd>` : ''}
        <dt>${t.openApiDocument}</dt><dd><a href="/openapi.json">/openapi.json</a></dd>
      </dl>
    </header>
    ${groups.map(
      ([tag, entries]) => html`<section class="tag" data-tag="${tag}" aria-labelledby="tag-${tag}">
      <h2 id="tag-${tag}">${tag}</h2>
      ${entries.map((entry) => operationHtml(entry, render))}
    </section>`,
    )}
    ${
      schemas.length
        ? html`<section id="schemas" class="schemas" aria-labelledby="schemas-title">
      <h2 id="schemas-title">${t.schemas}</h2>
      ${schemas.map(
        ([name, schema]) => html`<article id="schema-${name}" class="schema-card">
        <h3>${name}</h3>
        ${schema.description ? html`<p>${inline(schema.description)}</p>` : ''}
        ${render.body(schema)}
      </article>`,
      )}
    </section>`
        : ''
    }
  </main>
</div>`;
  return layout(assets, t.title(info.title), body, {
    data: { page: 'docs' },
    stylesheets: [assets.urls.docsStylesheet],
  });
}

function operations(document: ReferenceDocument): Entry[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, value]) => {
        const operation = value as Operation;
        return { method, path, operation, id: `op-${operation.operationId ?? `${method}-${path}`}` };
      }),
  );
}

/** Tags in the order the document first uses them; untagged operations last. */
function byTag(entries: Entry[]): [string, Entry[]][] {
  const groups = new Map<string, Entry[]>();
  for (const entry of entries) {
    const tag = entry.operation.tags?.[0] ?? t.untagged;
    groups.set(tag, [...(groups.get(tag) ?? []), entry]);
  }
  return [...groups];
}

function searchText(entry: Entry): string {
  const { operation } = entry;
  return [entry.method, entry.path, operation.operationId, operation.summary, ...(operation.tags ?? [])]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
}

const methodBadge = (method: string) =>
  html`<span class="method method-${method}">${method.toUpperCase()}</span>`;

function bearerText(scheme: { scheme?: string; description?: string }): Html {
  const kind = scheme.scheme === 'bearer' ? html`<code>Authorization: Bearer &lt;token&gt;</code>` : '';
  return html`${kind}${scheme.description ? html` — ${inline(scheme.description)}` : ''}`;
}

/** Markdown's code spans (`x`), the only markup the document's descriptions use. */
function inline(text: string): Html[] {
  return text.split('`').map((part, index) => (index % 2 === 1 ? html`<code>${part}</code>` : html`${part}`));
}

function operationHtml(entry: Entry, render: SchemaRenderer): Html {
  const { operation } = entry;
  const secured = (operation.security ?? []).some((requirement) => Object.keys(requirement).length > 0);
  const parameters = operation.parameters ?? [];
  const body = operation.requestBody;
  return html`<article id="${entry.id}" class="operation" aria-labelledby="${entry.id}-title">
    <h3 id="${entry.id}-title">${methodBadge(entry.method)} <code class="path">${entry.path}</code></h3>
    ${operation.summary ? html`<p class="summary">${inline(operation.summary)}</p>` : ''}
    ${operation.description ? html`<p>${inline(operation.description)}</p>` : ''}
    <p class="meta">
      ${secured ? html`<span class="auth">${t.tokenRequired}</span>` : html`<span class="auth public">${t.public}</span>`}
      ${operation.operationId ? html`<span>${t.operationId} <code>${operation.operationId}</code></span>` : ''}
    </p>
    ${parameters.length ? parametersHtml(parameters) : ''}
    ${body?.content ? html`<h4>${t.requestBody(!body.required)}</h4>${contentHtml(body.content, render, true)}` : ''}
    ${operation.responses ? responsesHtml(operation.responses, render) : ''}
  </article>`;
}

function parametersHtml(parameters: Parameter[]): Html {
  const columns = t.parameterColumns;
  return html`<h4>${t.parameters}</h4>
    <table class="params">
      <thead><tr><th scope="col">${columns.name}</th><th scope="col">${columns.in}</th><th scope="col">${columns.type}</th><th scope="col">${columns.description}</th></tr></thead>
      <tbody>
        ${parameters.map(
          (parameter) => html`<tr>
          <td><code>${parameter.name}</code>${parameter.required ? html` <span class="required">${t.required}</span>` : ''}</td>
          <td>${parameter.in}</td>
          <td>${typeLabel(parameter.schema ?? {})}</td>
          <td>${describe(parameter.schema ?? {}, parameter.description)}</td>
        </tr>`,
        )}
      </tbody>
    </table>`;
}

function responsesHtml(
  responses: Record<string, Content & { description?: string }>,
  render: SchemaRenderer,
): Html {
  return html`<h4>${t.responses}</h4>
    <dl class="responses">
      ${Object.entries(responses).map(([status, response]) => {
        // Success bodies are spelled out; error bodies are all the one Problem shape, linked.
        const success = status.startsWith('2');
        return html`<dt class="status status-${status.charAt(0)}xx">${status}</dt>
        <dd>${response.description ? inline(response.description) : ''}${
          response.content ? contentHtml(response.content, render, success) : ''
        }</dd>`;
      })}
    </dl>`;
}

function contentHtml(
  content: Record<string, { schema?: Schema }>,
  render: SchemaRenderer,
  expand: boolean,
): Html[] {
  return Object.entries(content).map(
    ([type, { schema }]) => html`<div class="content">
      <span class="content-type">${type}</span>${schema ? html` ${typeLabel(schema)}` : ''}
      ${expand && schema ? render.body(schema, true) : ''}
    </div>`,
  );
}

/**
 * The fields of object schemas, nested as deep as they are written inline. A named schema is a link
 * (to its card under Schemas), spelled out only where asked: at the top of a body, and on its card.
 */
class SchemaRenderer {
  constructor(private readonly schemas: Record<string, Schema>) {}

  /** The fields of an object (or of its array's items, or of each alternative); a referenced schema's own when `follow`. */
  body(schema: Schema, follow = false): Html | '' {
    const target = follow && schema.$ref ? this.schemas[refName(schema.$ref)] : schema;
    if (!target) return '';
    if (target.properties) return this.fields(target);
    if (target.items && !target.items.$ref) return this.body(target.items);
    const alternatives = target.oneOf ?? target.anyOf;
    if (alternatives) {
      return html`<ul class="alternatives">
      ${alternatives.map((alternative) => html`<li>${typeLabel(alternative)}${this.body(alternative)}</li>`)}
    </ul>`;
    }
    if (target.allOf) return html`${target.allOf.map((part) => this.body(part, true))}`;
    return '';
  }

  private fields(schema: Schema): Html {
    const required = new Set(schema.required ?? []);
    return html`<ul class="fields">
    ${Object.entries(schema.properties ?? {}).map(
      ([name, field]) => html`<li>
      <code class="field">${name}</code> ${typeLabel(field)}${required.has(name) ? html` <span class="required">${t.required}</span>` : ''}
      ${describe(field, field.description)}
      ${this.body(field)}
    </li>`,
    )}
  </ul>`;
  }
}

const refName = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1);

/** `string (uuid)`, `integer | null`, `Video[]`, a link for a named schema. */
function typeLabel(schema: Schema): Html {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return html`<a class="type" href="#schema-${name}">${name}</a>`;
  }
  if (schema.type === 'array' || (Array.isArray(schema.type) && schema.type.includes('array'))) {
    const nullable = Array.isArray(schema.type) && schema.type.includes('null') ? ' | null' : '';
    return html`<span class="type">${schema.items ? typeLabel(schema.items) : t.anyType}[]${nullable}</span>`;
  }
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return html`<span class="type">${joined(alternatives.map(typeLabel), ' | ')}</span>`;
  if (schema.allOf) return html`<span class="type">${joined(schema.allOf.map(typeLabel), ' & ')}</span>`;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type ?? t.anyType];
  return html`<span class="type">${types.join(' | ')}${schema.format ? ` (${schema.format})` : ''}</span>`;
}

function joined(parts: Html[], separator: string): Html[] {
  return parts.flatMap((part, index) => (index === 0 ? [part] : [html`${separator}`, part]));
}

/** The description, then the constraints a client must meet or may expect. */
function describe(schema: Schema, description: string | undefined): Html {
  const facts: Html[] = [];
  if (schema.enum)
    facts.push(
      html`${t.oneOf} ${joined(
        schema.enum.map((value) => html`<code>${String(value)}</code>`),
        ', ',
      )}`,
    );
  if (schema.minLength !== undefined || schema.maxLength !== undefined)
    facts.push(html`${t.characters(range(schema.minLength, schema.maxLength))}`);
  if (schema.minimum !== undefined || schema.maximum !== undefined)
    facts.push(html`${range(schema.minimum, schema.maximum)}`);
  if (schema.minItems !== undefined || schema.maxItems !== undefined)
    facts.push(html`${t.items(range(schema.minItems, schema.maxItems))}`);
  if (schema.pattern) facts.push(html`${t.pattern} <code>${schema.pattern}</code>`);
  if (schema.default !== undefined)
    facts.push(html`${t.default} <code>${JSON.stringify(schema.default)}</code>`);
  if (schema.example !== undefined)
    facts.push(html`${t.example} <code>${JSON.stringify(schema.example)}</code>`);
  return html`${description ? html`<span class="description">${inline(description)}</span>` : ''}${
    facts.length ? html`<span class="constraints">${joined(facts, '; ')}</span>` : ''
  }`;
}

function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return min === max ? t.exactly(min) : t.between(min, max);
  return min !== undefined ? t.atLeast(min) : t.atMost(max ?? 0);
}
