import { describe, expect, it } from 'vitest';
import * as accountRecovery from './account-recovery.ts';
import * as auth from './auth.ts';
import * as channels from './channels.ts';
import * as chat from './chat.ts';
import * as engagement from './engagement.ts';
import { CommentBodySchema } from './engagement.ts';
import * as oauth from './oauth.ts';
import * as pagination from './pagination.ts';
import { ChatBodySchema, ClientFrameSchema } from './realtime.ts';
import { hasControlCharacter, humanText, isStorableText, text, unstorableTextPaths } from './text.ts';
import * as users from './users.ts';
import * as videos from './videos.ts';

interface ZodNode {
  _zod: { def: Record<string, unknown> & { type: string } };
  safeParse(value: unknown): { success: boolean };
}

/** Every string schema inside `schema` (through objects, arrays, unions, pipes and wrappers), by path. */
function stringLeaves(schema: ZodNode, path: string): [string, ZodNode][] {
  const def = schema._zod.def;
  const child = (key: string) => def[key] as ZodNode;
  switch (def.type) {
    case 'string':
      return [[path, schema]];
    case 'object':
      return Object.entries(def.shape as Record<string, ZodNode>).flatMap(([key, value]) =>
        stringLeaves(value, `${path}.${key}`),
      );
    case 'array':
      return stringLeaves(child('element'), `${path}[]`);
    case 'union':
      return (def.options as ZodNode[]).flatMap((option, index) => stringLeaves(option, `${path}|${index}`));
    case 'pipe':
      return [...stringLeaves(child('in'), path), ...stringLeaves(child('out'), path)];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return stringLeaves(child('innerType'), path);
    default:
      return [];
  }
}

// Everything a client sends: request bodies, query strings, path parameters, tus metadata, WS frames.
const INPUT_SCHEMA = /(Request|Query|Params|Metadata)Schema$/;
const isZodSchema = (value: unknown): value is ZodNode =>
  typeof value === 'object' && value !== null && '_zod' in value;
const modules: Record<string, unknown>[] = [
  accountRecovery,
  auth,
  channels,
  chat,
  engagement,
  oauth,
  pagination,
  users,
  videos,
];
const inputSchemas: [string, ZodNode][] = [
  ...modules
    .flatMap((module) => Object.entries(module))
    .flatMap(([name, value]): [string, ZodNode][] =>
      INPUT_SCHEMA.test(name) && isZodSchema(value) ? [[name, value]] : [],
    ),
  ['ClientFrameSchema', ClientFrameSchema as unknown as ZodNode],
];

// Long enough for every length rule, and a URL; shapes with a format (uuid, email, slug) refuse both.
const SAMPLES = ['abcdefghijklmn', 'https://example.test/abcdefgh'];
const withNul = (sample: string) => `${sample.slice(0, 24)}\u0000${sample.slice(24)}`;

describe('the shared text schema', () => {
  it('finds what PostgreSQL cannot store: NUL and unpaired surrogates', () => {
    expect(isStorableText('Café — 🎥 ok\t\n\u0085')).toBe(true);
    for (const bad of ['a\u0000b', '\u0000', 'a\uD800', '\uDC00b', 'x\uDE00\uD83Dy']) {
      expect(isStorableText(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('finds C0 (but tab and newline), DEL and C1 controls', () => {
    expect(hasControlCharacter('a\tb\nc 🎥 é')).toBe(false);
    for (const bad of ['a\u0000', 'a\rb', 'a\u001bb', 'a\u007fb', 'a\u0080b', 'a\u0085b', 'a\u009fb']) {
      expect(hasControlCharacter(bad), JSON.stringify(bad)).toBe(true);
    }
    expect(hasControlCharacter('a\u00a0b')).toBe(false);
  });

  it('text() refuses NUL; humanText() trims, then refuses controls', () => {
    expect(text().safeParse('a\u0000b').success).toBe(false);
    expect(text().safeParse('a\u0085b').success).toBe(true);
    expect(humanText().safeParse('  hi\r\n').data).toBe('hi');
    expect(humanText().safeParse('one\r\ntwo\rthree').data).toBe('one\ntwo\nthree');
    expect(humanText().max(7).safeParse('one\r\ntwo').success).toBe(true);
    expect(humanText().safeParse('a\u0085b').success).toBe(false);
    expect(humanText().safeParse('a\u0000b').success).toBe(false);
  });

  it('chat messages and comments refuse C1 controls such as U+0085', () => {
    for (const schema of [ChatBodySchema, CommentBodySchema]) {
      expect(schema.safeParse('a\u0085b').success).toBe(false);
      expect(schema.safeParse('a\u009bb').success).toBe(false);
      expect(schema.safeParse(' line one\n\tline two ').data).toBe('line one\n\tline two');
    }
  });

  it('is used by every string a client sends', () => {
    expect(inputSchemas.length).toBeGreaterThan(30);
    const leaves = inputSchemas.flatMap(([name, schema]) => stringLeaves(schema, name));
    expect(leaves.length).toBeGreaterThan(50);
    const acceptingNul = leaves
      .filter(([, leaf]) =>
        SAMPLES.some((sample) => leaf.safeParse(sample).success && leaf.safeParse(withNul(sample)).success),
      )
      .map(([path]) => path);
    expect(acceptingNul).toEqual([]);
  });

  it('lists the unstorable strings of a parsed body by path', () => {
    const body = { a: 'ok', b: ['x', 'y\u0000'], c: { d: '\uD800', e: 1, f: null } };
    expect(unstorableTextPaths(body, 'body')).toEqual(['body.b.1', 'body.c.d']);
    expect(unstorableTextPaths({ 'k\u0000': 'v' }, 'body')).toEqual(['body']);
    expect(unstorableTextPaths('fine', 'query.q')).toEqual([]);
  });
});
