import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceDirAtomic, writeAtomicWith, writeFileAtomic } from './atomic-write.js';

describe('atomic writes', () => {
  it('replaces a file whole and leaves no temp file behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bcmb-core-'));
    const path = join(dir, 'a.txt');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['a.txt']);
  });

  it('keeps the old file when the write fails half way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bcmb-core-'));
    const path = join(dir, 'a.txt');
    await writeFile(path, 'old');
    await expect(
      writeAtomicWith(path, async (handle) => {
        await handle.write('partial');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['a.txt']);
  });

  it('swaps a directory only when it was filled completely', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bcmb-core-'));
    const target = join(root, 'ckpt');
    await replaceDirAtomic(target, async (tmp) => writeFile(join(tmp, 'x'), '1'));
    await expect(
      replaceDirAtomic(target, async () => {
        throw new Error('killed');
      }),
    ).rejects.toThrow('killed');
    expect(await readFile(join(target, 'x'), 'utf8')).toBe('1');
    expect(await readdir(root)).toEqual(['ckpt']);
  });
});
