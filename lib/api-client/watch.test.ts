import { classifySeq } from './watch';

describe('classifySeq: what watchRun does with an incoming seq', () => {
  it('delivers only the next seq, drops what it already delivered, and calls anything further a gap', () => {
    expect(classifySeq(1, 0)).toBe('next');
    expect(classifySeq(7, 6)).toBe('next');
    expect(classifySeq(6, 6)).toBe('duplicate');
    expect(classifySeq(2, 6)).toBe('duplicate');
    expect(classifySeq(8, 6)).toBe('gap');
  });
});
