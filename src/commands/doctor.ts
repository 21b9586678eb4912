// guru doctor [--kernel K]: can this machine apply patches, to its own kernel
// (in place) or to K (built here, applied in a VM booted on K)? Each check
// says what it found and, when it fails, the command that fixes it; the exit
// code is 2 when a required check fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GuruCommand } from './command.js';
import type { DoctorCheck } from '../doctor/doctorCheck.js';

export type { DoctorCheck } from '../doctor/doctorCheck.js';

interface DoctorArgs {
  json?: boolean;
  kernel?: string;
}

async function storedKernelReport(ref: string): Promise<{ checks: DoctorCheck[]; verdict: { line: string; exitCode: number } }> {
  const { findStoredKernel } = await import('../kernelStore/resolveKernel.js');
  const { headersRelease } = await import('../kernelStore/findHeadersDir.js');
  const { findBtfFile } = await import('../kernelFacts/btfLocation.js');
  const { readKernelConfig } = await import('../doctor/kernelConfig.js');
  const { storedKernelChecks } = await import('../doctor/storedKernelChecks.js');
  const { storedKernelVerdict } = await import('../doctor/doctorVerdict.js');
  const tools = await import('../doctor/hostTools.js');
  const { checkStaticBusybox } = await import('../vm/initramfs.js');
  const { readKernelToolchain, hostToolchain, rootToolchain } = await import('../kernelStore/kernelToolchain.js');
  const kernel = findStoredKernel(ref);
  const toolchain = kernel && (kernel.toolchain ?? (fs.existsSync(kernel.config) ? readKernelToolchain(kernel.headersDir, fs.readFileSync(kernel.config, 'utf8')) : undefined));
  const checks = storedKernelChecks(
    {
      ref,
      kernel,
      config: kernel && readKernelConfig([kernel.config])?.config,
      headersComplete: kernel && headersRelease(kernel.headersDir) === kernel.release,
      btf: kernel && findBtfFile(kernel.release, kernel.headersDir),
      headersVmlinux: kernel && fs.existsSync(path.join(kernel.headersDir, 'vmlinux')),
      toolchain,
    },
    {
      has: (cmd) => tools.hasCommand(cmd),
      gccMajor: tools.hostGccMajor,
      paholeVersion: tools.paholeVersion,
      checkStaticBusybox,
      toolchain: hostToolchain,
      rootToolchain: (dir) => (fs.existsSync(dir) ? rootToolchain(dir) : undefined),
    },
  );
  return { checks, verdict: storedKernelVerdict(ref, checks) };
}

export const doctorCommand: GuruCommand<DoctorArgs> = {
  command: 'doctor',
  describe: 'check what applying patches needs here (or for --kernel K: building for K and applying in a VM on it), with a fix for each problem',
  builder: (y) =>
    y
      .option('kernel', { type: 'string', describe: 'check building for this kernel and applying in a VM on it (e.g. debian:6.1); default: the running kernel, in place' })
      .option('json', { type: 'boolean', describe: 'machine-readable output' })
      .example('$0 doctor --kernel debian:6.1', 'can guru apply SPEC --vm debian:6.1 work here?'),
  handler: async (args) => {
    const { parseKernelRef } = await import('../kernelStore/kernelRef.js');
    const inPlace = args.kernel === undefined || (parseKernelRef(args.kernel).kind === 'release' && args.kernel === os.release());
    let checks: DoctorCheck[];
    let verdict: { line: string; exitCode: number };
    if (inPlace) {
      const { runningKernelChecks } = await import('../doctor/runningKernelChecks.js');
      const { runningKernelVerdict } = await import('../doctor/doctorVerdict.js');
      checks = await runningKernelChecks();
      verdict = runningKernelVerdict(checks);
    } else ({ checks, verdict } = await storedKernelReport(args.kernel!));
    if (args.json) process.stdout.write(JSON.stringify(checks, null, 2) + '\n');
    else {
      for (const c of checks) {
        process.stdout.write(`${c.ok ? 'ok  ' : c.optional ? 'warn' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
        if (!c.ok && c.fix) process.stdout.write(`      fix: ${c.fix}\n`);
      }
      process.stdout.write(verdict.line + '\n');
    }
    process.exitCode = verdict.exitCode;
  },
};
