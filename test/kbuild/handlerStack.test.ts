// Probe handlers may run in NMI context (int3 kprobes on x86) at any depth
// of the kernel's stack: no function a handler runs may take a large stack
// frame. Read from the built module's disassembly (each function's
// `sub $N,%rsp`); backtrace() once took 872 bytes there, plus a line
// buffer for %pS.
import { execFileSync } from 'node:child_process';
import { buildModule } from '../../src/kbuild/kbuild.js';
import { headersKernelFacts } from '../../src/kernelFacts/headersKernelFacts.js';
import { buildPlan } from '../../src/plan/buildPlan.js';
import { readSpecFile } from '../../src/pipeline.js';
import { usePrivateBuildCache } from '../helpers/privateBuildCache.js';

const env = usePrivateBuildCache();
/** Bytes a handler-side function may put on the stack. */
const FRAME_LIMIT = 256;
/** Functions that run in process context only: the control, stats and params files (knob commands), load and unload. */
const PROCESS_CONTEXT = /^(ctl_|stats_|params_|knob_|set_knob_|reenable_|wildcards_|guru_module_|guru_init|guru_exit|register_|unregister_|alloc_|free_|load_|unload_|tvar_init|tvar_exit|tvar_clear|arm_locked|disarm_locked|ttl_|run_lifecycle|set_probes|note_addresses|copy_records|kprobe_new|kretprobe_new|set_param|init_module|cleanup_module)/;

test('no function a probe handler runs takes more than 256 bytes of stack (ptrace-return-codes: backtrace(), strings, a kretprobe)', async () => {
  const { koPath } = await buildModule(buildPlan(readSpecFile('examples/ptrace-return-codes.yaml'), headersKernelFacts(env.target)), env.target);
  const text = execFileSync('objdump', ['-d', '--no-show-raw-insn', koPath], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const frames = new Map<string, number>();
  let fn = '';
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+ <([^>]+)>:$/.exec(line);
    if (head) fn = head[1]!;
    const sub = /\ssub\s+\$0x([0-9a-f]+),%rsp$/.exec(line);
    if (sub && fn) frames.set(fn, Math.max(frames.get(fn) ?? 0, parseInt(sub[1]!, 16)));
  }
  // The runtime's handler side is in the module, and it was read.
  expect(frames.has('guru_emit_backtrace') || text.includes('<guru_emit_backtrace>:')).toBe(true);
  const large = [...frames].filter(([name, bytes]) => bytes > FRAME_LIMIT && !PROCESS_CONTEXT.test(name)).map(([name, bytes]) => `${name}: ${bytes} bytes`);
  expect(large).toEqual([]);
}, 300_000);
