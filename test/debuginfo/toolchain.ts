// Test helpers: compile C sources into a temp dir and run the oracle tools
// (gcc, nm, readelf, gdb, pahole). A missing tool fails loudly with the
// command that installs it, never skips.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const INSTALL_HINT: Record<string, string> = {
  gcc: 'apt-get install -y gcc',
  gdb: 'apt-get install -y gdb',
  pahole: 'apt-get install -y dwarves',
  pfunct: 'apt-get install -y dwarves',
  objdump: 'apt-get install -y binutils',
  ld: 'apt-get install -y binutils',
  nm: 'apt-get install -y binutils',
  readelf: 'apt-get install -y binutils',
  objcopy: 'apt-get install -y binutils',
};

export function run(tool: string, args: string[], cwd?: string): string {
  try {
    return execFileSync(tool, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${tool} is not installed; fix: ${INSTALL_HINT[tool] ?? `install ${tool}`}`);
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `guru-${prefix}-`));
}

/** Write SOURCE as DIR/NAME and compile it with gcc FLAGS into OUT. */
export function compileC(dir: string, name: string, source: string, out: string, flags: string[]): string {
  fs.writeFileSync(path.join(dir, name), source);
  run('gcc', [...flags, name, '-o', out], dir);
  return path.join(dir, out);
}
