import { describe, expect, it } from 'vitest';
import { createConsumerRegistry, defineConsumer } from './consumers.ts';
import { TEST_EVENTS } from './testing.ts';

describe('consumer registry', () => {
  const handle = async () => {};
  it('refuses bad names, duplicates, unknown events, missing handlers and empty subscriptions', () => {
    const ok = { name: 'ok', mode: 'idempotent', events: ['test.noted'], handle } as const;
    expect(() => createConsumerRegistry(TEST_EVENTS, [{ ...ok, name: 'Bad:Name' }])).toThrow(
      /Invalid consumer/,
    );
    expect(() => createConsumerRegistry(TEST_EVENTS, [ok, ok])).toThrow(/Two consumers/);
    expect(() =>
      createConsumerRegistry(TEST_EVENTS, [{ ...ok, events: ['test.nope' as 'test.noted'] }]),
    ).toThrow(/Unknown event/);
    expect(() => createConsumerRegistry(TEST_EVENTS, [{ ...ok, handle: undefined as never }])).toThrow(
      /no handler/,
    );
    expect(() => createConsumerRegistry(TEST_EVENTS, [{ ...ok, events: [] }])).toThrow(/no event/);
    const registry = createConsumerRegistry(TEST_EVENTS, [ok]);
    expect(Object.keys(registry.jobDefinitions)).toEqual(['outbox.ok']);
    expect(registry.subscribersOf('test.noted')).toEqual([ok]);
    expect(registry.subscribersOf('test.changed')).toEqual([]);
  });

  it('types handlers from the subscribed events, and a consumer without a handler does not compile', () => {
    defineConsumer(TEST_EVENTS, {
      name: 'typed',
      mode: 'idempotent',
      events: ['test.changed'],
      async handle(event) {
        const n: number = event.payload.n;
        // @ts-expect-error `note` belongs to test.noted, which this consumer does not subscribe to
        void event.payload.note;
        void n;
      },
    });
    // @ts-expect-error `handle` is required
    defineConsumer(TEST_EVENTS, { name: 'no-handler', mode: 'once', events: ['test.noted'] });
  });
});
