import { BadInputError } from '../../lib/domain/errors.js';
import { packBatches, SQS_MAX_BATCH_ENTRIES, SQS_MAX_BYTES } from '../../lib/adapters/sqs-queues.js';

/** Allowance packBatches adds per entry for its id and message attributes. */
const ENTRY_OVERHEAD_BYTES = 200;

const entries = (count: number, bodyBytes = 100, accountId = 'default'): { body: string; accountId: string }[] =>
  Array.from({ length: count }, (_, i) => ({ body: `${i}`.padEnd(bodyBytes, 'x'), accountId }));

const requestBytes = (batch: { body: string }[]): number => batch.reduce((sum, entry) => sum + Buffer.byteLength(entry.body) + ENTRY_OVERHEAD_BYTES, 0);

describe('packBatches', () => {
  it('splits small entries into batches of at most 10, in order', () => {
    // Prepare
    const input = entries(23);

    // Act
    const batches = packBatches(input);

    // Assess
    expect(SQS_MAX_BATCH_ENTRIES).toBe(10);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(batches.flat()).toEqual(input);
  });

  it('fills a batch with exactly 10 entries and starts no empty one', () => {
    // Prepare
    const input = entries(10);

    // Act
    const batches = packBatches(input);

    // Assess
    expect(batches).toEqual([input]);
  });

  it('returns no batch for no entries', () => {
    // Prepare
    const input: { body: string; accountId: string }[] = [];

    // Act
    const batches = packBatches(input);

    // Assess
    expect(batches).toEqual([]);
  });

  it('starts a new batch before a request would reach 256 KB', () => {
    // Prepare: 100 KB each, so only two fit in one request
    const input = entries(5, 100_000);

    // Act
    const batches = packBatches(input);

    // Assess
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    batches.forEach((batch) => expect(requestBytes(batch)).toBeLessThanOrEqual(SQS_MAX_BYTES));
    expect(batches.flat()).toEqual(input);
  });

  it('counts bytes, not characters', () => {
    // Prepare: 30,000 three-byte characters are 90,000 bytes, so three of them do not fit in one request
    const input = Array.from({ length: 3 }, (_, i) => ({ body: `${i}${'€'.repeat(30_000)}`, accountId: 'default' }));

    // Act
    const batches = packBatches(input);

    // Assess
    expect(batches.map((b) => b.length)).toEqual([2, 1]);
  });

  it('sends an entry of the largest allowed size alone', () => {
    // Prepare
    const largest = { body: 'x'.repeat(SQS_MAX_BYTES - ENTRY_OVERHEAD_BYTES), accountId: 'default' };
    const input = [entries(1)[0]!, largest, entries(1)[0]!];

    // Act
    const batches = packBatches(input);

    // Assess
    expect(batches.map((b) => b.length)).toEqual([1, 1, 1]);
    expect(batches[1]).toEqual([largest]);
  });

  it('throws BadInputError for an entry over 256 KB', () => {
    // Prepare
    const input = [...entries(3), { body: 'x'.repeat(SQS_MAX_BYTES), accountId: 'default' }];

    // Act
    const act = (): unknown => packBatches(input);

    // Assess
    expect(act).toThrow(BadInputError);
    expect(act).toThrow(/exceeds the SQS message limit/);
  });

  it('keeps the account of every entry', () => {
    // Prepare
    const input = [...entries(6, 100, 'default'), ...entries(6, 100, 'acme')];

    // Act
    const batches = packBatches(input);

    // Assess
    expect(batches.flat().map((e) => e.accountId)).toEqual([...Array(6).fill('default'), ...Array(6).fill('acme')]);
  });
});
