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
