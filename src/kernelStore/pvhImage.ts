// The uncompressed kernel inside a bzImage. Debian's vmlinuz decompresses
// itself (xz for 6.1, zstd for 6.12), which takes ~2 s of emulated CPU under
// TCG; QEMU can instead load the ELF directly through its PVH entry point
// (CONFIG_PVH=y in Debian's kernels). The ELF also carries the build-id that
// debuginfo must match.
import fs from 'node:fs';
import { openElf } from '../debuginfo/elf.js';
import { EnvironmentError, InternalError } from '../errors.js';

/** XEN_ELFNOTE_PHYS32_ENTRY, owner "Xen": the 32-bit PVH entry point QEMU looks for. */
const XEN_ELFNOTE_PHYS32_ENTRY = 18;

interface Decompressor {
  magic: Buffer;
  argv: [string, ...string[]];
}

const DECOMPRESSORS: Decompressor[] = [
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), argv: ['xz', '-dc'] },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), argv: ['zstd', '-dcq'] },
  { magic: Buffer.from([0x1f, 0x8b]), argv: ['gzip', '-dc'] },
];

export interface ExtractedImage {
  buildId: string;
  /** True if the ELF has a PVH entry point, i.e. QEMU can boot it with -kernel. */
  pvh: boolean;
}

/** Decompress the payload of BZIMAGE into OUT (an ELF vmlinux). */
export async function extractKernelElf(bzImage: string, out: string): Promise<ExtractedImage> {
  const data = fs.readFileSync(bzImage);
  if (data.length < 0x260 || data.toString('latin1', 0x202, 0x206) !== 'HdrS') {
    throw new InternalError(`${bzImage} is not a bzImage (no HdrS setup header)`);
  }
  // Boot protocol ≥ 2.08: payload_offset/length, relative to the protected-mode code after the setup sectors.
  const setupSectors = data[0x1f1] || 4;
  const payloadStart = (setupSectors + 1) * 512 + data.readUInt32LE(0x248);
  const payloadLength = data.readUInt32LE(0x24c);
  const payload = data.subarray(payloadStart, payloadStart + payloadLength);
  // kbuild appends the uncompressed size (u32 LE) after the compressed stream; decompressors reject it as trailing data.
  const expectedSize = payload.readUInt32LE(payload.length - 4);
  const compressed = payload.subarray(0, payload.length - 4);
  const decompressor = DECOMPRESSORS.find((d) => compressed.subarray(0, d.magic.length).equals(d.magic));
  if (!decompressor) throw new InternalError(`${bzImage}: unknown payload compression (magic ${compressed.subarray(0, 6).toString('hex')})`);
  const [tool, ...args] = decompressor.argv;
  try {
    const { execa } = await import('execa');
    await execa(tool, args, { input: compressed, stdout: { file: out }, encoding: 'buffer' });
  } catch (err) {
    throw new EnvironmentError(`could not decompress ${bzImage} with ${tool}: ${(err as Error).message}`, `apt-get install ${tool === 'zstd' ? 'zstd' : 'xz-utils'}`);
  }
  const size = fs.statSync(out).size;
  if (size !== expectedSize) throw new InternalError(`${bzImage}: decompressed ${size} bytes, the image says ${expectedSize}`);
  const elf = openElf(out);
  try {
    const buildId = elf.buildId();
    if (!buildId) throw new InternalError(`${bzImage}: the kernel has no build-id note`);
    const pvh = elf.notes().some((n) => n.name === 'Xen' && n.type === XEN_ELFNOTE_PHYS32_ENTRY);
    return { buildId, pvh };
  } finally {
    elf.close();
  }
}
