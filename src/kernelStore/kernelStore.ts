// The kernel store on disk: $GURU_CACHE/kernels/<id>/ per entry, each with
// its own entry.json, and index.json listing them all.
//
// Entries appear only by rename(2) of a complete temp folder and disappear by
// rename to a trash name, so the store needs no lock: the folders are the
// truth, and index.json is rewritten from a scan whenever the store changes
// (and repaired whenever it is read and found stale).
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../cacheDir.js';
import { entryLayout, storedKernelFromRecord, type KernelEntryRecord, type StoredKernel } from './storedKernel.js';

export function kernelStoreDir(): string {
  return cacheDir('kernels');
}

export function entryDir(id: string): string {
  return path.join(kernelStoreDir(), id);
}

export function indexPath(): string {
  return path.join(kernelStoreDir(), 'index.json');
}

/** Names starting with a dot are temp/trash folders, never entries. */
export function isEntryName(name: string): boolean {
  return !name.startsWith('.') && name !== 'index.json';
}

export function readEntryRecord(dir: string): KernelEntryRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(dir, entryLayout.record), 'utf8')) as KernelEntryRecord;
    return record.formatVersion === 1 ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Every complete entry, newest first. */
export function listStoredKernels(): StoredKernel[] {
  const records = scanRecords();
  syncIndex(records);
  return records.map((r) => storedKernelFromRecord(entryDir(r.id), r));
}

function scanRecords(): KernelEntryRecord[] {
  const dir = kernelStoreDir();
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const records: KernelEntryRecord[] = [];
  for (const name of names) {
    if (!isEntryName(name)) continue;
    const record = readEntryRecord(path.join(dir, name));
    if (record && record.id === name) records.push(record);
  }
  return records.sort((a, b) => b.addedAt.localeCompare(a.addedAt));
}

interface IndexFile {
  formatVersion: 1;
  entries: KernelEntryRecord[];
}

/** Rewrite index.json from a fresh scan (after add/rm). */
export function rewriteIndex(): void {
  writeIndex(scanRecords());
}

function syncIndex(records: KernelEntryRecord[]): void {
  let current: string | undefined;
  try {
    current = fs.readFileSync(indexPath(), 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== indexText(records)) {
    try {
      writeIndex(records);
    } catch {
      // A reader without write access still gets the scan; the index is a mirror.
    }
  }
}

function indexText(records: KernelEntryRecord[]): string {
  const file: IndexFile = { formatVersion: 1, entries: records };
  return JSON.stringify(file, null, 2) + '\n';
}

function writeIndex(records: KernelEntryRecord[]): void {
  if (records.length === 0 && !fs.existsSync(kernelStoreDir())) return;
  writeFileAtomic(indexPath(), indexText(records));
}

/** Write FILE so readers see the old or the new content, never a torn one. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${path.dirname(file)}/.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
