/**
 * The gateway's request dispatch, in place of Hono's `app.fetch`. Hono runs middleware through an
 * async compose: with any `app.use` layer every request costs async frames, promises and microtask
 * turns, and the answer reaches the server as a promise. @hono/node-server then takes its slow path
 * (an async response writer and a close listener per request) and Bun cannot answer in the same turn.
 * Here the gateway's own layers (`GatewayLayers`) are plain functions around the matched handlers,
 * and a request whose handlers answer synchronously (most reads) is answered synchronously: no
 * promise is made unless a handler or a guard awaits something.
 *
 * Everything else is Hono's: its router, `Context`, `getPath`, error and not-found handlers, and the
 * same rules as its `#dispatch` and `compose` for the matched handlers (a route's own middleware,
 * `HEAD` answered as `GET` without a body, "not finalized" as an error).
 */
import { Context, type Env, type ErrorHandler, type Hono, type NotFoundHandler } from 'hono';

/** The gateway's layers, run around the matched handlers of every request. */
export interface GatewayLayers<E extends Env> {
  /** Synchronous, first: request id, variables, the headers every response carries. */
  start(c: Context<E>): void;
  /**
   * The guards, then `run` (the matched handlers): returns what `run` returns, or a guard's own answer
   * (a preflight). Throws (or rejects) to refuse; the error becomes the answer through `onError`.
   */
  guard(c: Context<E>, run: () => Response | Promise<Response>): Response | Promise<Response>;
  /** Observes the answer once decided (and may move its headers): the route pattern that answered ('' if none). */
  finish(c: Context<E>, res: Response, startedAt: number, route: string): void;
}

type Next = () => Promise<void>;
type MatchedHandler<E extends Env> = (
  c: Context<E>,
  next: Next,
) => Response | undefined | Promise<Response | undefined>;
/** One entry of a router's match: the handler with its route, and its parameters. */
type MatchEntry<E extends Env> = [[MatchedHandler<E>, { path: string }], unknown];
type MatchResult<E extends Env> = [MatchEntry<E>[], ...unknown[]];

const NOT_FINALIZED =
  'Context is not finalized. Did you forget to return a Response object or `await next()`?';

const asError = (thrown: unknown): Error =>
  thrown instanceof Error ? thrown : new Error('non-Error thrown', { cause: thrown });

/** Replaces `app.fetch` (and so `app.request`) with the gateway's dispatch through `layers`. */
export function dispatchThrough<E extends Env>(
  app: Hono<E>,
  handlers: { onError: ErrorHandler<E>; onNotFound: NotFoundHandler<E> },
  layers: GatewayLayers<E>,
): void {
  const { onError, onNotFound } = handlers;
  app.onError(onError);
  app.notFound(onNotFound);

  const fail = (thrown: unknown, c: Context<E>): Response | Promise<Response> => onError(asError(thrown), c);

  /** Hono's `compose`, for a route with middleware of its own (errors become answers at each level). */
  const compose = async (c: Context<E>, entries: MatchEntry<E>[]): Promise<Response> => {
    let index = -1;
    const dispatch = async (i: number): Promise<void> => {
      if (i <= index) throw new Error('next() called multiple times');
      index = i;
      const entry = entries[i];
      let res: Response | undefined;
      let isError = false;
      if (entry) {
        c.req.routeIndex = i;
        try {
          res = (await entry[0][0](c, () => dispatch(i + 1))) ?? undefined;
        } catch (error) {
          c.error = asError(error);
          res = await onError(c.error, c);
          isError = true;
        }
      } else if (!c.finalized) res = await onNotFound(c);
      if (res && (!c.finalized || isError)) c.res = res;
    };
    await dispatch(0);
    if (!c.finalized) throw new Error(NOT_FINALIZED);
    return c.res;
  };

  /** The matched handlers: a lone handler as Hono's fast path runs it (synchronously when it is). */
  const run = (c: Context<E>, entries: MatchEntry<E>[]): Response | Promise<Response> => {
    if (entries.length !== 1) return compose(c, entries);
    const handler = (entries[0] as MatchEntry<E>)[0][0];
    const res = handler(c, async () => {
      c.res = await onNotFound(c);
    });
    if (res instanceof Promise) {
      return res.then((resolved) => resolved || (c.finalized ? c.res : onNotFound(c)));
    }
    return res ?? onNotFound(c);
  };

  const routeOf = (c: Context<E>, entries: MatchEntry<E>[]) => entries[c.req.routeIndex]?.[0][1].path ?? '';

  const dispatch = (
    request: Request,
    env: E['Bindings'] | undefined,
    executionCtx: ExecutionContextLike | undefined,
    method: string,
  ): Response | Promise<Response> => {
    if (method === 'HEAD') {
      return (async () => new Response(null, await dispatch(request, env, executionCtx, 'GET')))();
    }
    const path = app.getPath(request, { env });
    const matchResult = app.router.match(method, path) as unknown as MatchResult<E>;
    const entries = matchResult[0];
    const c = new Context<E>(request, {
      path,
      matchResult: matchResult as never,
      env,
      executionCtx: executionCtx as never,
      notFoundHandler: onNotFound,
    });
    const startedAt = performance.now();
    let answer: Response | Promise<Response>;
    try {
      layers.start(c);
      answer = layers.guard(c, () => run(c, entries));
    } catch (error) {
      answer = fail(error, c);
    }
    if (answer instanceof Promise) {
      return answer
        .catch((error: unknown) => fail(error, c))
        .then((res) => {
          layers.finish(c, res, startedAt, routeOf(c, entries));
          return res;
        });
    }
    layers.finish(c, answer, startedAt, routeOf(c, entries));
    return answer;
  };

  app.fetch = (request, env, executionCtx) =>
    dispatch(request, env as E['Bindings'] | undefined, executionCtx, request.method);
}

/** Hono's `ExecutionContext` (Workers); only passed through. */
type ExecutionContextLike = Parameters<Hono['fetch']>[2];
