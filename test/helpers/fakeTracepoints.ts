// The trace events the examples use, as the tracepoint family reads them
// from a kernel image (offsets and types of Debian 6.1's syscalls:sys_enter_read),
// for tests that resolve the examples without a kernel.
import type { TracepointCatalog, TracepointEvent } from '../../src/probeFamilies/tracepoint/types.js';

/** syscalls:sys_enter_read as Debian 6.1 lays it out. */
export const SYS_ENTER_READ: TracepointEvent = {
  category: 'syscalls',
  event: 'sys_enter_read',
  fixedSize: 40,
  fields: [
    { name: '__syscall_nr', type: 'int', offset: 8, size: 4, signed: true, layout: 'value' },
    { name: 'fd', type: 'unsigned int', offset: 16, size: 8, signed: false, layout: 'value', argType: 'unsigned int' },
    { name: 'buf', type: 'char *', offset: 24, size: 8, signed: false, layout: 'value', argType: 'char *' },
    { name: 'count', type: 'size_t', offset: 32, size: 8, signed: false, layout: 'value', argType: 'size_t' },
  ],
};

export const EXAMPLE_TRACEPOINTS: TracepointCatalog = {
  source: 'the examples\' events',
  events: [SYS_ENTER_READ],
};
