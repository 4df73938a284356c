import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { removeDirAtomic, removeStaleTemporaries, tempPathFor } from './atomic-write.js';

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('issue 17 item 8: crash litter', () => {
  it('removes the temporaries of dead writers and keeps those of live ones and other files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bcmb-litter-'));
    try {
      const dead = deadPid();
      await mkdir(join(dir, `.checkpoint-6.${dead}.0123abcd.tmp`));
      await writeFile(join(dir, `.checkpoint-6.${dead}.0123abcd.tmp`, 'model.safetensors'), 'x');
      await writeFile(join(dir, `.train.jsonl.${dead}.deadbeef.tmp`), 'x');
      const mine = tempPathFor(join(dir, 'checkpoint-7'));
      await mkdir(mine);
      await mkdir(join(dir, 'checkpoint-5'));
      await writeFile(join(dir, 'notes.tmp'), 'x');
      const removed = await removeStaleTemporaries(dir);
      expect(removed).toHaveLength(2);
      expect((await readdir(dir)).sort()).toEqual(
        ['checkpoint-5', 'notes.tmp', mine.slice(dir.length + 1)].sort(),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('cleans up after a writer SIGKILLed inside replaceDirAtomic', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bcmb-litter-'));
    try {
      const module = fileURLToPath(new URL('./atomic-write.ts', import.meta.url));
      const script = `
        import { replaceDirAtomic } from ${JSON.stringify(module)};
        import { writeFile } from 'node:fs/promises';
        await replaceDirAtomic(${JSON.stringify(join(dir, 'checkpoint-6'))}, async (temp) => {
          await writeFile(temp + '/model.safetensors', 'partial');
          process.stdout.write('writing\\n');
          await new Promise(() => {});
        });`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', () => resolve());
        child.on('exit', (code) => reject(new Error(`writer exited early (${code})`)));
      });
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('exit', resolve));
      const litter = await readdir(dir);
      expect(litter).toHaveLength(1);
      expect(litter[0]).toMatch(/^\.checkpoint-6\.\d+\.[0-9a-f]{8}\.tmp$/);
      await removeStaleTemporaries(dir);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('removeDirAtomic leaves no directory under the real name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bcmb-litter-'));
    try {
      await mkdir(join(dir, 'checkpoint-1'));
      await writeFile(join(dir, 'checkpoint-1', 'a'), 'x');
      await removeDirAtomic(join(dir, 'checkpoint-1'));
      await removeDirAtomic(join(dir, 'checkpoint-missing'));
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
