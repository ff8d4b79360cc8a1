// mapLimit: results in the items' order, never more than `limit` at work at once, and each result handed on in order
// as soon as it and those before it are in.
import { mapLimit } from '../../lib/domain/map-limit.js';

describe('mapLimit', () => {
  it("works on at most `limit` items at once and returns the results in the items' order", async () => {
    // Prepare: later items finish first
    let running = 0;
    let most = 0;
    const work = async (n: number): Promise<number> => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 20 - n));
      running -= 1;
      return n * 10;
    };

    // Act
    const results = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, work);

    // Assess
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(most).toBe(3);
  });

  it('hands each result on in order, as soon as those before it are in', async () => {
    // Prepare: the second item is slow, the others quick
    const handed: string[] = [];
    const work = async (n: number): Promise<number> => {
      await new Promise((resolve) => setTimeout(resolve, n === 2 ? 30 : 1));
      handed.push(`done ${n}`);
      return n;
    };

    // Act
    await mapLimit([1, 2, 3], 3, work, (n) => handed.push(`in order ${n}`));

    // Assess: 1 at once; 3 waits for 2
    expect(handed).toEqual(['done 1', 'in order 1', 'done 3', 'done 2', 'in order 2', 'in order 3']);
  });

  it('returns nothing for no items', async () => {
    // Act / Assess
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});
