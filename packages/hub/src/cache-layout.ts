import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '@bcmb/core';
import { getRepoFolderName } from '@huggingface/hub';

/** A full git commit id, as huggingface_hub's REGEX_COMMIT_HASH. */
const COMMIT_HASH = /^[0-9a-f]{40}$/;

export function isCommitHash(revision: string): boolean {
  return COMMIT_HASH.test(revision);
}

/**
 * One model repo's folder in the Hugging Face cache, laid out as huggingface_hub's file_download.py writes it:
 *
 *   models--org--name/
 *     blobs/<etag>                      file contents, named by git sha1 (small files) or sha256 (LFS)
 *     blobs/<etag>.incomplete           a partial download, resumed with an HTTP Range request
 *     refs/<revision>                   the commit a branch or tag pointed to when last resolved
 *     snapshots/<commit>/<file>         relative symlink to ../../blobs/<etag>
 *     .no_exist/<commit>/<file>         empty marker: the file does not exist at that commit
 *   .locks/models--org--name/<etag>.lock  huggingface_hub's download lock (bcmb's sits beside it)
 */
export class RepoCache {
  readonly root: string;
  private readonly locks: string;

  constructor(
    cacheDir: string,
    readonly repoId: string,
  ) {
    const folder = getRepoFolderName({ type: 'model', name: repoId });
    this.root = join(cacheDir, folder);
    this.locks = join(cacheDir, '.locks', folder);
  }

  refPath(revision: string): string {
    return join(this.root, 'refs', revision);
  }

  snapshotDir(commit: string): string {
    return join(this.root, 'snapshots', commit);
  }

  snapshotFile(commit: string, file: string): string {
    return join(this.snapshotDir(commit), ...file.split('/'));
  }

  blobPath(etag: string): string {
    return join(this.root, 'blobs', etag);
  }

  /** bcmb's lock for one blob, next to where huggingface_hub keeps `<etag>.lock`. */
  blobLockPath(etag: string): string {
    return join(this.locks, `${etag}.bcmb-lock`);
  }

  noExistDir(commit: string): string {
    return join(this.root, '.no_exist', commit);
  }

  noExistPath(commit: string, file: string): string {
    return join(this.noExistDir(commit), ...file.split('/'));
  }

  /** The commit a revision resolves to without the network: itself if a commit id, else `refs/<revision>`. */
  async commitFor(revision: string): Promise<string | undefined> {
    if (isCommitHash(revision)) return revision;
    const ref = await readFile(this.refPath(revision), 'utf8').catch(() => undefined);
    const commit = ref?.trim();
    return commit && isCommitHash(commit) ? commit : undefined;
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    if ((await this.commitFor(revision)) === commit) return;
    await writeFileAtomic(this.refPath(revision), commit);
  }

  /** True when the snapshot entry exists and its blob too (a dangling symlink counts as missing). */
  async hasFile(commit: string, file: string): Promise<boolean> {
    return isFile(this.snapshotFile(commit, file));
  }

  async isMarkedAbsent(commit: string, file: string): Promise<boolean> {
    return isFile(this.noExistPath(commit, file));
  }

  async markAbsent(commit: string, file: string): Promise<void> {
    const marker = this.noExistPath(commit, file);
    if (await isFile(marker)) return;
    await mkdir(dirname(marker), { recursive: true });
    await writeFileAtomic(marker, '');
  }

  /** Points `snapshots/<commit>/<file>` at `blobs/<etag>` with a relative symlink, replaced atomically. */
  async linkSnapshotFile(commit: string, file: string, etag: string): Promise<void> {
    const pointer = this.snapshotFile(commit, file);
    await mkdir(dirname(pointer), { recursive: true });
    const temp = `${pointer}.${randomBytes(4).toString('hex')}.tmp`;
    await symlink(relative(dirname(pointer), this.blobPath(etag)), temp);
    try {
      await rename(temp, pointer);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

export async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

export async function fileSize(path: string): Promise<number | undefined> {
  return stat(path).then(
    (info) => info.size,
    () => undefined,
  );
}
