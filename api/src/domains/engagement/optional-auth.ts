// TEMPORARY: removed once in-flight work has moved (issue 13)
export { optionalBearer, optionalCaller } from '../auth/optional-auth.ts';
