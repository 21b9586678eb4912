// Benchmark: resolve one statement probe (FUNC@FILE:LINE → addresses → the
// variables at each address) on a vmlinux with DWARF, in a cold process,
// median of N runs, against gdb's `info scope FILE:LINE` on the same file.
//
//   npx tsc -p . && node dist/bench/debuginfo-statement.js VMLINUX [FUNC FILE LINE] [--runs 5]
//
// Each run is a fresh `node` process (the reader keeps no cache on disk), so
// the time includes opening the ELF, symbols, aranges and parsing the unit.
// Peak RSS comes from GNU time (/usr/bin/time -v).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openDwarf } from '../src/debuginfo/dwarf/dwarfInfo.js';
import { median } from './median.js';

interface Measurement {
  seconds: number;
  peakRssMb: number;
}

function timed(cmd: string, args: string[]): Measurement & { stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr.slice(-2000)}`);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr)!;
  const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)![1]) / 1024;
  return { seconds, peakRssMb: rss, stdout: r.stdout };
}


/** The work of one cold run; prints a summary line. */
function resolveOnce(vmlinux: string, func: string, file: string, line: number): void {
  const dwarf = openDwarf(vmlinux);
  const fns = dwarf.findFunctions(func);
  if (fns.length === 0) throw new Error(`no function ${func} in ${vmlinux}`);
  let variables = 0;
  const addresses: string[] = [];
  for (const f of fns) {
    for (const a of dwarf.lineAddresses(f, file, line)) {
      addresses.push(`0x${a.address.toString(16)}`);
      const vars = dwarf.variablesAt(a.address);
      variables += vars.length;
      for (const v of vars) console.log(`  ${addresses.at(-1)} ${v.name}: ${v.cType} = ${v.location.kind}${v.writable ? ' (writable)' : ''} ${v.expression}`);
    }
  }
  console.log(`resolved ${func}@${file}:${line}: addresses ${addresses.join(' ')}; ${variables} variables; build-id ${dwarf.buildId()}`);
  dwarf.close();
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    resolveOnce(argv[1]!, argv[2]!, argv[3]!, Number(argv[4]));
    return;
  }
  const runsFlag = argv.indexOf('--runs');
  const runs = runsFlag >= 0 ? Number(argv.splice(runsFlag, 2)[1]) : 5;
  const [vmlinux, func = 'ksys_write', file = 'fs/read_write.c', lineText = '637'] = argv;
  if (!vmlinux || !fs.existsSync(vmlinux)) {
    console.error('usage: debuginfo-statement VMLINUX [FUNC FILE LINE] [--runs N]');
    console.error('vmlinux with DWARF: apt-get download linux-image-6.1.0-56-amd64-dbg && dpkg-deb -x *.deb DIR');
    process.exit(1);
  }
  const self = fileURLToPath(import.meta.url);
  const ours: Measurement[] = [];
  let sample = '';
  for (let i = 0; i < runs; i++) {
    const m = timed(process.execPath, [self, '--child', vmlinux, func, file, lineText]);
    ours.push(m);
    sample = m.stdout;
  }
  console.log(sample.trimEnd());
  const gdbRuns: Measurement[] = [];
  for (let i = 0; i < runs; i++) gdbRuns.push(timed('gdb', ['-batch', '-nx', '-ex', `info scope ${file}:${lineText}`, vmlinux]));
  const report = (tool: string, ms: Measurement[]): void =>
    console.log(
      `${tool.padEnd(12)} runs ${ms.length}  median ${median(ms.map((m) => m.seconds)).toFixed(2)} s  peak RSS ${Math.max(...ms.map((m) => m.peakRssMb)).toFixed(0)} MB`,
    );
  console.log(`statement probe ${func}@${file}:${lineText} on ${vmlinux} (gdb ${execFileSync('gdb', ['--version'], { encoding: 'utf8' }).split('\n')[0]})`);
  report('guru', ours);
  report('gdb', gdbRuns);
  console.log(`ratio guru/gdb: ${(median(ours.map((m) => m.seconds)) / median(gdbRuns.map((m) => m.seconds))).toFixed(3)}`);
}

main();
