// The fixed-width C type a syscall argument's register is read through.
//
// include/linux/syscalls.h declares arguments with kernel typedefs (`size_t`,
// `umode_t`, `key_serial_t`, `cap_user_header_t`). Casting through those
// would make every generated module include <linux/syscalls.h>, which alone
// doubles the time gcc spends on probes.c; so, like typed kernel-function
// arguments from BTF, a syscall argument is converted through a fixed-width
// integer of its width and signedness on x86_64, and pointers through
// `unsigned long`. The syscall wrapper truncates each register to its
// declared type the same way, so `unsigned int fd` of -1 reads as 4294967295
// here exactly as the kernel sees it.
//
// The table is checked against the compiler: test/kbuild/syscallArgTypes
// static-asserts every entry's width and signedness against the target
// kernel's own headers, for every argument type of every syscall.
import type { TargetTypeInfo } from '../expr/ir.js';
import type { RegisterCType } from './kernelFunctionSignature.js';

/** x86_64 integer types and the kernel typedefs syscalls.h uses for arguments. */
const SYSCALL_ARG_TYPES: Readonly<Record<string, RegisterCType>> = {
  int: 's32',
  'signed int': 's32',
  unsigned: 'u32',
  'unsigned int': 'u32',
  long: 's64',
  'long int': 's64',
  'unsigned long': 'u64',
  'unsigned long int': 'u64',
  'long long': 's64',
  'unsigned long long': 'u64',
  short: 's16',
  'unsigned short': 'u16',
  char: 's8',
  'unsigned char': 'u8',
  __s32: 's32',
  __u32: 'u32',
  s32: 's32',
  u32: 'u32',
  int32_t: 's32',
  uint32_t: 'u32',
  __s64: 's64',
  __u64: 'u64',
  s64: 's64',
  u64: 'u64',
  int64_t: 's64',
  uint64_t: 'u64',
  size_t: 'u64',
  ssize_t: 's64',
  loff_t: 's64',
  off_t: 's64',
  pid_t: 's32',
  uid_t: 'u32',
  gid_t: 'u32',
  qid_t: 'u32',
  umode_t: 'u16',
  mode_t: 'u32',
  clockid_t: 's32',
  timer_t: 's32',
  key_t: 's32',
  key_serial_t: 's32',
  mqd_t: 's32',
  rwf_t: 's32',
  aio_context_t: 'u64',
  // Pointer typedefs (linux/capability.h).
  cap_user_header_t: 'unsigned long',
  cap_user_data_t: 'unsigned long',
};

/**
 * The register type of a syscall argument declared as CTYPE, or undefined
 * when guru does not know the width of the type (a typedef newer than this
 * table): such an argument is refused rather than read at a guessed width.
 */
export function syscallArgRegisterType(ctype: string): RegisterCType | undefined {
  if (ctype.includes('*')) return 'unsigned long';
  // Qualifiers and annotations do not change the width: `const int`, `__user`.
  const bare = ctype
    .replace(/\b(const|volatile|__user)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  // The kernel passes enums as int (landlock_add_rule's enum landlock_rule_type).
  if (/^enum \w+$/.test(bare)) return 's32';
  return SYSCALL_ARG_TYPES[bare];
}

/**
 * For member access: a syscall argument declared as a pointer to a struct
 * or union (`struct sockaddr __user *`) points to that record, in user
 * memory when it is `__user`.
 */
export function syscallArgTypeInfo(ctype: string): TargetTypeInfo | undefined {
  const m = /^(?:const\s+)?(struct|union)\s+(\w+)\s*(?:const\s*)?(__user\s*)?\*$/.exec(ctype.trim().replace(/\s+/g, ' '));
  if (!m) return undefined;
  return { space: m[3] ? 'user' : 'kernel', pointerTo: { record: m[1] as 'struct' | 'union', name: m[2]! } };
}
