import { formatDuration, formatRelative } from './time';

describe('formatDuration', () => {
  it.each([
    [850, '850 ms'],
    [1_234, '1.2 s'],
    [12_300, '12 s'],
    [60_000, '1 min'],
    [125_000, '2 min 5 s'],
    [3_600_000, '1 h'],
    [3_780_000, '1 h 3 min'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatRelative', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');

  it.each([
    ['2025-01-01T11:59:55Z', 'just now'],
    ['2025-01-01T11:59:30Z', '30 seconds ago'],
    ['2025-01-01T11:55:00Z', '5 minutes ago'],
    ['2025-01-01T09:00:00Z', '3 hours ago'],
    ['2024-12-31T12:00:00Z', 'yesterday'],
  ])('formats %s as %s', (iso, text) => {
    expect(formatRelative(iso, now)).toBe(text);
  });

  it('leaves a value that is not a date as it is', () => {
    expect(formatRelative('soon', now)).toBe('soon');
  });
});
