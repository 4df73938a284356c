import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_FILES,
  isCompleteCheckpoint,
  latestCheckpoint,
  TRAINER_STATE_FILE,
} from './checkpoint.js';

async function checkpoint(outputDir: string, step: number, files: readonly string[]): Promise<string> {
  const dir = join(outputDir, `checkpoint-${step}`);
  await mkdir(dir, { recursive: true });
  for (const file of files) await writeFile(join(dir, file), '{}');
  return dir;
}

describe('issue 17 item 8: a checkpoint is complete only with all of its files', () => {
  it('resume skips a newer checkpoint that has trainer_state.json but no weights', async () => {
    const outputDir = await mkdtemp(join(tmpdir(), 'bcmb-ckpt-'));
    try {
      const complete = await checkpoint(outputDir, 4, CHECKPOINT_FILES);
      const halfDeleted = await checkpoint(outputDir, 6, [TRAINER_STATE_FILE]);
      expect(await isCompleteCheckpoint(complete)).toBe(true);
      expect(await isCompleteCheckpoint(halfDeleted)).toBe(false);
      expect(await latestCheckpoint(outputDir)).toBe(complete);
    } finally {
      await rm(outputDir, { recursive: true, force: true });
    }
  });

  it('each missing file makes a checkpoint incomplete', async () => {
    const outputDir = await mkdtemp(join(tmpdir(), 'bcmb-ckpt-'));
    try {
      for (const [i, missing] of CHECKPOINT_FILES.entries()) {
        const dir = await checkpoint(
          outputDir,
          i,
          CHECKPOINT_FILES.filter((file) => file !== missing),
        );
        expect(await isCompleteCheckpoint(dir), missing).toBe(false);
      }
      expect(await latestCheckpoint(outputDir)).toBeUndefined();
    } finally {
      await rm(outputDir, { recursive: true, force: true });
    }
  });
});
