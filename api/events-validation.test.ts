// The API's door for events (issue 16, items 1, 2 and 8): a body holding poison events is answered
// with a 400 listing each problem at its path, nothing published, never a throw from validation.
import { describe, expect, it } from 'vitest';
import { example_events } from '../test/support/example-events.js';
import { poisonEvents } from '../test/support/poison-events.js';
import { ApiError } from './api-errors.js';
import { validateEvents } from './events-route.js';
import { AssetRegistry } from '../ledger/asset-registry.js';

function rejectionOf(body: unknown): ApiError {
  try {
    validateEvents(body, 100, new AssetRegistry());
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the body to be rejected');
}

describe('POST /v1/events validation of poison events', () => {
  it('answers 400 with the path of each poison, in a single event or in an array', () => {
    for (const poison of poisonEvents()) {
      const single = rejectionOf(JSON.parse(poison.text));
      expect(single, poison.name).toMatchObject({ status: 400, code: 'KEEL_ERR_API_VALIDATION' });
      expect(single.issues, poison.name).toEqual([expect.objectContaining({ path: poison.path })]);
      const listed = rejectionOf([example_events.deposit, JSON.parse(poison.text)]);
      expect(listed.issues, poison.name).toEqual([expect.objectContaining({ path: `[1].${poison.path}` })]);
    }
  });
});
