// BTF for unit tests, built at test time the way the kernel's is: the
// kernel-like functions of test/fixtures/btf compiled with `gcc -g -c` and
// converted with `pahole -J`. Missing tools fail with the installing command.
import fs from 'node:fs';
import path from 'node:path';
import { readBtf, type Btf } from '../../src/debuginfo/btf.js';
import { makeTempDir, run } from '../debuginfo/toolchain.js';

export const BTF_FIXTURE_DIR = path.resolve('test/fixtures/btf');

export interface BtfFixture {
  dir: string;
  /** The object file carrying .BTF. */
  object: string;
  btf: Btf;
  cleanup(): void;
}

/** CFLAGS: extra gcc flags (-DNAME for a variant of the source). */
export function buildBtfFixture(source = 'functions.c', cflags: string[] = []): BtfFixture {
  const dir = makeTempDir('btf-fixture');
  const object = path.join(dir, 'functions.o');
  run('gcc', ['-g', '-O0', '-c', ...cflags, '-I', BTF_FIXTURE_DIR, path.join(BTF_FIXTURE_DIR, source), '-o', object], dir);
  run('pahole', ['-J', object], dir);
  return { dir, object, btf: readBtf(object), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
