// A cross-process lock on a directory (mkdir is atomic): two guru builds for
// the same kernel never share a kbuild tree at the same time, two refreshes of
// guru's apt lists never run at once. A lock whose owner process is gone is
// taken over.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export async function withDirectoryLock<T>(dir: string, body: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  const lock = path.join(dir, '.lock');
  const deadline = Date.now() + timeoutMs;
  fs.mkdirSync(dir, { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (ownerIsGone(lock)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lock}`);
      await sleep(100);
    }
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function ownerIsGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    // Created but pid not written yet, or half-removed: give it a moment.
    try {
      return Date.now() - fs.statSync(lock).mtimeMs > 5000;
    } catch {
      return true;
    }
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
