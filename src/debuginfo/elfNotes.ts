// ELF notes: a sequence of (namesz, descsz, type, name, desc) records, with
// name and desc each padded to 4 bytes. Used by SHT_NOTE sections, PT_NOTE
// segments and the raw blob the kernel exports as /sys/kernel/notes.
import fs from 'node:fs';

export interface ElfNote {
  /** Owner, e.g. "GNU", "Linux", "Xen" (without the trailing NUL). */
  name: string;
  type: number;
  desc: Buffer;
}

/** NT_GNU_BUILD_ID: the desc is the build-id bytes. */
export const NT_GNU_BUILD_ID = 3;

const align4 = (n: number): number => (n + 3) & ~3;

/** Parse a notes blob; a truncated trailing record is ignored. */
export function parseNotes(blob: Buffer): ElfNote[] {
  const notes: ElfNote[] = [];
  let pos = 0;
  while (pos + 12 <= blob.length) {
    const namesz = blob.readUInt32LE(pos);
    const descsz = blob.readUInt32LE(pos + 4);
    const type = blob.readUInt32LE(pos + 8);
    const nameStart = pos + 12;
    const descStart = nameStart + align4(namesz);
    const next = descStart + align4(descsz);
    if (descStart + descsz > blob.length) break;
    const nameEnd = namesz > 0 && blob[nameStart + namesz - 1] === 0 ? nameStart + namesz - 1 : nameStart + namesz;
    notes.push({
      name: blob.toString('latin1', nameStart, nameEnd),
      type,
      desc: Buffer.from(blob.subarray(descStart, descStart + descsz)),
    });
    pos = next;
  }
  return notes;
}

/** The GNU build-id among NOTES as lowercase hex, if any. */
export function buildIdFromNotes(notes: readonly ElfNote[]): string | undefined {
  const note = notes.find((n) => n.name === 'GNU' && n.type === NT_GNU_BUILD_ID);
  return note?.desc.toString('hex');
}

/** Build-id of the running kernel (or any raw notes file such as /sys/kernel/notes). */
export function buildIdFromNotesFile(path = '/sys/kernel/notes'): string | undefined {
  return buildIdFromNotes(parseNotes(fs.readFileSync(path)));
}
