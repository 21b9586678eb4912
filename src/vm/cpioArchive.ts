// A newc ("070701") cpio archive, the format the kernel unpacks as an
// initramfs. Written here rather than with cpio(1) so the archive can hold a
// /dev/console device node without mknod (i.e. without root) and so its bytes
// depend only on its entries (fixed mtimes and inode numbers).
export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Buffer; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

export function cpioArchive(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    let mode: number;
    let data: Buffer = Buffer.alloc(0);
    let rdevMajor = 0;
    let rdevMinor = 0;
    switch (e.kind) {
      case 'dir':
        mode = S_IFDIR | (e.mode ?? 0o755);
        break;
      case 'file':
        mode = S_IFREG | (e.mode ?? 0o644);
        data = e.data;
        break;
      case 'symlink':
        mode = S_IFLNK | 0o777;
        data = Buffer.from(e.target);
        break;
      case 'chardev':
        mode = S_IFCHR | (e.mode ?? 0o600);
        rdevMajor = e.major;
        rdevMinor = e.minor;
        break;
    }
    parts.push(header(name, { ino: ino++, mode, nlink: e.kind === 'dir' ? 2 : 1, size: data.length, rdevMajor, rdevMinor }));
    parts.push(data, padding(data.length));
  }
  parts.push(header('TRAILER!!!', { ino: 0, mode: 0, nlink: 1, size: 0, rdevMajor: 0, rdevMinor: 0 }));
  const body = Buffer.concat(parts);
  // The kernel does not need it, but tools expect a 512-byte multiple.
  return Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

interface HeaderFields {
  ino: number;
  mode: number;
  nlink: number;
  size: number;
  rdevMajor: number;
  rdevMinor: number;
}

function header(name: string, f: HeaderFields): Buffer {
  const hex = (n: number): string => n.toString(16).padStart(8, '0');
  const nameBytes = Buffer.from(name + '\0');
  const fields = [
    '070701',
    hex(f.ino),
    hex(f.mode),
    hex(0), // uid
    hex(0), // gid
    hex(f.nlink),
    hex(0), // mtime
    hex(f.size),
    hex(0), // devmajor
    hex(0), // devminor
    hex(f.rdevMajor),
    hex(f.rdevMinor),
    hex(nameBytes.length),
    hex(0), // check
  ].join('');
  const head = Buffer.concat([Buffer.from(fields, 'latin1'), nameBytes]);
  return Buffer.concat([head, padding(head.length)]);
}

/** newc pads the header+name and the data each to a 4-byte boundary. */
function padding(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}
