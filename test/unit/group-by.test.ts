import { groupBy } from '../../lib/domain/group-by.js';

describe('groupBy', () => {
  it('groups in one pass, keeping groups and their items in input order', () => {
    // Act
    const groups = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (s) => s[0]);

    // Assess
    expect([...groups]).toEqual([
      ['b', ['b1', 'b2']],
      ['a', ['a1', 'a2']],
      ['c', ['c1']],
    ]);
  });
});
