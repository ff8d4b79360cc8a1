// Who a message can reach: addresses no one can receive mail at, and names that are placeholders rather than people.
import { isDeliverableEmail, isPlaceholderName, sameName } from '../../lib/domain/contact.js';

describe('isDeliverableEmail', () => {
  it.each(['jane.doe@example.com', 'headhoncho@whitehouse.gov', 'a+tag@sub.example.co.uk', "o'neil@example.ie"])('accepts %s', (email) => {
    expect(isDeliverableEmail(email)).toBe(true);
  });

  it.each([
    '1@1',
    'a@b',
    'name@localhost',
    'marketplace-buyer',
    '@example.com',
    'a@@example.com',
    'two words@example.com',
    'a@example.c0m',
    'a..b@example.com',
    'a@-example.com',
  ])('refuses %s', (email) => {
    expect(isDeliverableEmail(email)).toBe(false);
  });
});

describe('isPlaceholderName', () => {
  it.each(['Amazon', 'FBA', 'NA', 'n/a', 'N.A.', 'amazon.com', '  ', '-'])('calls %s a placeholder', (name) => {
    expect(isPlaceholderName(name)).toBe(true);
  });

  it.each(['Amy Zon', 'Todd Ledet', 'Na Li', 'The President'])('calls %s a name', (name) => {
    expect(isPlaceholderName(name)).toBe(false);
  });
});

describe('sameName', () => {
  it('compares names without case, punctuation, spacing or order', () => {
    expect(sameName('Sherlock Holmes', 'HOLMES, Sherlock')).toBe(true);
    expect(sameName('Mary-Ann  Lee', 'mary ann lee')).toBe(true);
    expect(sameName('Alex Morgan', 'Rosa Diaz')).toBe(false);
  });
});
