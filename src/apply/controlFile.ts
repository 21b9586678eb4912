// The supervisor's end of /dev/guru_<name>: commands go in by write(), event
// records come out by read(). Reads block in libuv's thread pool; the
// kernel ends them with EOF once the module is disarmed and drained.
import fs from 'node:fs';
import { promisify } from 'node:util';
import { EnvironmentError } from '../errors.js';

const read = promisify(fs.read);
const write = promisify(fs.write);

/** At least the kernel's largest record (GURU_REC_MAX); 64 KiB per read. */
const READ_SIZE = 64 * 1024;

export class ControlFile {
  private constructor(
    private readonly fd: number,
    readonly path: string,
  ) {}

  static async open(module: string, timeoutMs = 5000): Promise<ControlFile> {
    const path = `/dev/${module}`;
    // devtmpfs/udev create the node right after insmod; give them a moment.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return new ControlFile(fs.openSync(path, fs.constants.O_RDWR), path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EBUSY') throw new EnvironmentError(`${path} is held by another guru session`, 'guru ps lists loaded patches');
        if (code !== 'ENOENT' || Date.now() > deadline) throw new EnvironmentError(`cannot open ${path}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  async command(cmd: string): Promise<void> {
    await write(this.fd, cmd);
  }

  /** Next batch of whole records; an empty buffer means end of stream. */
  async readRecords(): Promise<Buffer> {
    const buf = Buffer.alloc(READ_SIZE);
    const { bytesRead } = await read(this.fd, buf, 0, READ_SIZE, null);
    return buf.subarray(0, bytesRead);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
