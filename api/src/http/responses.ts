/** Shared OpenAPI response entries, so every route documents its errors the same way. */
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from '@streamhub/contracts/problem';

export const problemResponse = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
});

export const jsonResponse = <T>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** A JSON request body for `createRoute`; `required: false` for a body that may be left out. */
export const jsonBody = <T>(schema: T, required = true) => ({
  required,
  content: { 'application/json': { schema } },
});

/** The security requirement of routes that take an access token (`Authorization: Bearer …`). */
export const BEARER_AUTH = [{ bearerAuth: [] }];
