/** `/api/v1/auth`: account creation (sessions and tokens arrive with the identity issue). */
import { createRoute } from '@hono/zod-openapi';
import { AccountSchema, RegisterRequestSchema } from '@streamhub/contracts/auth';
import { jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';

const register = createRoute({
  method: 'post',
  path: '/register',
  operationId: 'register',
  tags: ['auth'],
  summary: 'Create an account',
  request: {
    body: { required: true, content: { 'application/json': { schema: RegisterRequestSchema } } },
  },
  responses: {
    201: jsonResponse(AccountSchema, 'The account was created'),
    400: problemResponse('The body is not JSON (`malformed_json`)'),
    409: problemResponse('The email or username is taken (`conflict`)'),
    413: problemResponse('The body is too large (`payload_too_large`)'),
    422: problemResponse('A field is invalid (`validation_failed`)'),
    429: problemResponse('Too many requests (`rate_limited`)'),
  },
});

export const authRoutes = () =>
  createRouter().openapi(register, async (c) => {
    const account = await c.var.deps.services.auth.register(c.req.valid('json'));
    return c.json(account, 201);
  });
