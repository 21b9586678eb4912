// Random access to a byte range of a file without reading the whole file.
// Debug sections of a kernel image run to hundreds of megabytes while one
// query touches a few kilobytes of them, so reads go through a small page
// cache keyed by page number instead of slurping a section.
import fs from 'node:fs';

/** Something bytes can be read from by offset: a file region or a buffer. */
export interface ByteSource {
  readonly length: number;
  /**
   * Bytes [offset, offset+length) clipped to the source. The result may be a
   * view into a cache: callers must not modify it.
   */
  bytes(offset: number, length: number): Buffer;
  /** Like bytes, but for a one-off small read that should not fill the cache. */
  peek(offset: number, length: number): Buffer;
}

/** A whole in-memory buffer as a ByteSource. */
export class BufferSource implements ByteSource {
  constructor(readonly buffer: Buffer) {}
  get length(): number {
    return this.buffer.length;
  }
  bytes(offset: number, length: number): Buffer {
    return this.buffer.subarray(offset, Math.min(this.buffer.length, offset + length));
  }
  peek(offset: number, length: number): Buffer {
    return this.bytes(offset, length);
  }
}

const PAGE_SIZE = 64 * 1024;
const MAX_CACHED_PAGES = 256; // 16 MiB per region at most

/** A range [start, start+length) of an open file descriptor, page-cached. */
export class FileRegion implements ByteSource {
  private readonly pages = new Map<number, Buffer>();

  constructor(
    private readonly fd: number,
    readonly start: number,
    readonly length: number,
  ) {}

  bytes(offset: number, length: number): Buffer {
    const end = Math.min(this.length, offset + length);
    if (offset >= end) return Buffer.alloc(0);
    const firstPage = Math.floor(offset / PAGE_SIZE);
    const lastPage = Math.floor((end - 1) / PAGE_SIZE);
    if (firstPage === lastPage) {
      const page = this.page(firstPage);
      const pageStart = firstPage * PAGE_SIZE;
      return page.subarray(offset - pageStart, end - pageStart);
    }
    // Spans pages: large reads (a whole compilation unit) bypass the cache.
    return readExactly(this.fd, this.start + offset, end - offset);
  }

  peek(offset: number, length: number): Buffer {
    const end = Math.min(this.length, offset + length);
    if (offset >= end) return Buffer.alloc(0);
    const cached = this.pages.get(Math.floor(offset / PAGE_SIZE));
    if (cached && Math.floor((end - 1) / PAGE_SIZE) === Math.floor(offset / PAGE_SIZE)) return this.bytes(offset, length);
    return readExactly(this.fd, this.start + offset, end - offset);
  }

  private page(index: number): Buffer {
    const cached = this.pages.get(index);
    if (cached) {
      // Refresh recency: Map iteration order is insertion order.
      this.pages.delete(index);
      this.pages.set(index, cached);
      return cached;
    }
    const pageStart = index * PAGE_SIZE;
    const page = readExactly(this.fd, this.start + pageStart, Math.min(PAGE_SIZE, this.length - pageStart));
    this.pages.set(index, page);
    if (this.pages.size > MAX_CACHED_PAGES) {
      const oldest = this.pages.keys().next().value;
      if (oldest !== undefined) this.pages.delete(oldest);
    }
    return page;
  }
}

/** Read exactly LENGTH bytes at POSITION (short reads only at end of file). */
export function readExactly(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}
