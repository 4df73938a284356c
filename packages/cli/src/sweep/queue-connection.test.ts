import { describe, expect, it } from 'vitest';
import { QueueConnectionError, withQueue } from './queue.js';

describe('queue connection', () => {
  it('gives up on an unreachable Redis with a QueueConnectionError naming the URL', async () => {
    const attempt = withQueue('redis://127.0.0.1:1/0', 'trials', async () => 'connected');
    await expect(attempt).rejects.toBeInstanceOf(QueueConnectionError);
    await expect(attempt).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0/);
  });

  it('refuses a URL that is not redis://', async () => {
    await expect(withQueue('localhost:6379', 'trials', async () => 'connected')).rejects.toThrow(
      /--queue must be a redis:\/\/ URL/,
    );
  });
});
