// Oracle for line-table rows gdb does not keep: `readelf
// --debug-dump=decodedline`, the is_stmt rows of the addresses asked about.
// gdb drops a row whose line has no instructions of its own in that file,
// e.g. read_write.c:628 at the address where the inlined fdget_pos (file.h)
// begins; the row is real (line 628 starts there) and a probe keeps it.
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, run } from './toolchain.js';

export interface ReadelfLineRow {
  /** File name as readelf prints it (a base name). */
  file: string;
  line: number;
}

/** is_stmt rows of BINARY at ADDRESSES (one readelf run). */
export function readelfStatementRows(binary: string, addresses: Iterable<bigint>): Map<bigint, ReadelfLineRow[]> {
  const wanted = new Set([...addresses].map((a) => `0x${a.toString(16)}`));
  const out = new Map<bigint, ReadelfLineRow[]>();
  // vmlinux decodes to ~400 MB of text: let grep keep the rows of our addresses.
  const dir = makeTempDir('readelf-lines');
  let text: string;
  try {
    const patterns = path.join(dir, 'addresses');
    fs.writeFileSync(patterns, [...wanted].join('\n') + '\n');
    run('readelf', ['--version']); // fails with the install hint when missing
    text = run('sh', ['-c', 'readelf --debug-dump=decodedline "$1" 2>/dev/null | grep -F -w -f "$2" || true', 'sh', binary, patterns]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const m of text.matchAll(/^(\S+)\s+(\d+)\s+(0x[0-9a-f]+)[ \t]*(?:\d+)?[ \t]*(x?)[ \t]*$/gm)) {
    if (m[4] !== 'x' || !wanted.has(m[3]!)) continue;
    const a = BigInt(m[3]!);
    const rows = out.get(a) ?? [];
    rows.push({ file: m[1]!, line: Number(m[2]) });
    out.set(a, rows);
  }
  return out;
}
