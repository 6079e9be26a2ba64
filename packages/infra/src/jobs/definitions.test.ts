import { JOB_DEFINITIONS } from '@streamhub/contracts/jobs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createMemoryJobQueue } from './memory.ts';
import type { JobHandlers } from './port.ts';

describe('JOB_DEFINITIONS', () => {
  it('is accepted by the job queue port and types its handlers', async () => {
    const queue = createMemoryJobQueue(JOB_DEFINITIONS);
    try {
      expectTypeOf<Parameters<JobHandlers<typeof JOB_DEFINITIONS>['email.send']>[0]>().toEqualTypeOf<{
        to: string;
        subject: string;
        text: string;
        html?: string | undefined;
      }>();
      await expect(
        queue.enqueue('email.send', { to: 'not-an-email', subject: 'Hi', text: 'x' }),
      ).rejects.toThrow();
      await expect(
        queue.enqueue('email.send', { to: 'a@example.com', subject: '', text: 'x' }),
      ).rejects.toThrow();
      const jobId = await queue.enqueue('email.send', {
        to: 'a@example.com',
        subject: 'Welcome',
        text: 'Hello',
      });
      expect(jobId).toEqual(expect.any(String));
    } finally {
      await queue.close();
    }
  });
});
