// Where the lab finds its inputs (the repository) and keeps its outputs (a
// cache outside the work tree, so a clean clone reuses an earlier build).
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const KERNEL_EXAMPLES_DIR = join(REPO_ROOT, 'kernel');
export const LAB_DIR = join(REPO_ROOT, 'lab');

/** $UKLAB_CACHE, else $XDG_CACHE_HOME/user-kernel-lab, else ~/.cache/user-kernel-lab. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.UKLAB_CACHE) return resolve(env.UKLAB_CACHE);
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(base, 'user-kernel-lab');
}

/** The lab kernel's cache entries (lab/builder/kernel.ts). */
export function kernelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'kernel');
}

/**
 * A link to the newest built lab kernel tree, and so the lessons' default
 * KDIR: kernel/lab.mk spells the same rule for make.
 */
export function currentKernelTree(env: NodeJS.ProcessEnv = process.env): string {
  return join(kernelCacheDir(env), 'current');
}

/**
 * A link to the newest built tab lab's folder (lab/builder/tab-lab.ts): the
 * files the site serves so that a lesson runs in the reader's tab.
 */
export function currentTabLab(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'tab-lab', 'current');
}
