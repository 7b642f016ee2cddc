import { describe, expect, it } from 'vitest';
import { createProgress, describeSize, progressLine } from './progress.js';

describe('createProgress', () => {
  it('writes nothing when standard error is no terminal', () => {
    const written: string[] = [];
    const progress = createProgress((t) => written.push(t), false, 'upload');
    progress.update(10, 100);
    progress.finish();
    expect(written).toEqual([]);
  });

  it('rewrites one line when the whole percentage changes, and ends it', () => {
    const written: string[] = [];
    const progress = createProgress((t) => written.push(t), true, 'upload');
    progress.update(0, 200);
    progress.update(1, 200);
    progress.update(100, 200);
    progress.update(200, 200);
    progress.finish();
    expect(written).toEqual([
      `\r${progressLine('upload', 0, 200)}`,
      `\r${progressLine('upload', 100, 200)}`,
      `\r${progressLine('upload', 200, 200)}`,
      '\n',
    ]);
    expect(progressLine('upload', 3 * 1024 * 1024, 12 * 1024 * 1024)).toBe(
      'upload 3.0 MiB of 12.0 MiB (25%)',
    );
  });
});

describe('describeSize', () => {
  it('names bytes, KiB, MiB and GiB', () => {
    expect(describeSize(830)).toBe('830 bytes');
    expect(describeSize(12_700)).toBe('12.4 KiB');
    expect(describeSize(3.1 * 1024 * 1024)).toBe('3.1 MiB');
    expect(describeSize(2 * 1024 ** 3)).toBe('2.0 GiB');
  });
});
