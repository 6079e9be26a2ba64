/**
 * The API reference's words (`/docs`, openapi/reference-page.ts): its headings, labels and the phrases
 * it writes around the OpenAPI document's own text (which stays as the document has it).
 */
export const docsText = {
  title: (api: string) => `${api} reference`,
  operations: 'Operations',
  filter: 'Filter operations',
  schemas: 'Schemas',
  /** The group of operations the document gives no tag. */
  untagged: 'other',
  baseUrl: 'Base URL',
  authentication: 'Authentication',
  openApiDocument: 'OpenAPI document',
  tokenRequired: 'access token required',
  public: 'no sign-in',
  operationId: 'operationId',
  parameters: 'Parameters',
  parameterColumns: { name: 'name', in: 'in', type: 'type', description: 'description' },
  requestBody: (optional: boolean) => (optional ? 'Request body (optional)' : 'Request body'),
  responses: 'Responses',
  required: 'required',
  anyType: 'any',
  oneOf: 'one of',
  characters: (range: string) => `${range} characters`,
  items: (range: string) => `${range} items`,
  pattern: 'pattern',
  default: 'default',
  example: 'example',
  exactly: (value: number) => `exactly ${value}`,
  between: (min: number, max: number) => `${min}–${max}`,
  atLeast: (value: number) => `at least ${value}`,
  atMost: (value: number) => `at most ${value}`,
};
