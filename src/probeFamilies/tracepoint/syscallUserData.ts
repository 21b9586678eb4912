// The syscall arguments whose user memory a kernel's syscalls:sys_enter_*
// events copy into the record (kernels whose struct syscall_metadata has
// user_mask: 7.3 among guru's test kernels): each such argument `ARG` gets a field
// `__data_loc char[] __ARG_val` after the arguments, a u32 each in argument
// order, the data appended to the record (a NUL-terminated string; for
// write, pwrite64 and mq_timedsend the first bytes of the buffer, not
// terminated).
//
// The kernel decides which at boot, not in its tables: init_syscall_trace
// calls check_faultable_syscall (kernel/trace/trace_syscalls.c), a switch on
// syscall numbers that sets syscall_metadata.user_mask, which
// syscall_enter_define_fields then turns into fields. An image's
// syscall_metadata holds a zero mask, so the catalog cannot read this from
// the image and takes it from here, for kernels whose BTF has user_mask.
//
// This is Debian 7.3's list (7.3.4+deb13), as its tracefs shows it; the
// runtime test tracepoints.test.ts checks every syscall event of 7.3's
// catalog against that kernel's format files. A later kernel that probes
// more arguments shows them in tracefs but not in guru's catalog until
// they are added here.
export const SYSCALL_USER_DATA_ARGS: Readonly<Record<string, readonly string[]>> = {
  access: ['filename'],
  acct: ['name'],
  add_key: ['_type', '_description'],
  chdir: ['filename'],
  chmod: ['filename'],
  chown: ['filename'],
  chroot: ['filename'],
  creat: ['pathname'],
  delete_module: ['name_user'],
  execve: ['filename'],
  execveat: ['filename'],
  faccessat: ['filename'],
  faccessat2: ['filename'],
  fanotify_mark: ['pathname'],
  fchmodat: ['filename'],
  fchmodat2: ['filename'],
  fchownat: ['filename'],
  fgetxattr: ['name'],
  finit_module: ['uargs'],
  flistxattr: ['list'],
  fremovexattr: ['name'],
  fsconfig: ['_key'],
  fsetxattr: ['name'],
  fsopen: ['_fs_name'],
  fspick: ['path'],
  futimesat: ['filename'],
  getxattr: ['pathname', 'name'],
  getxattrat: ['pathname', 'name'],
  init_module: ['uargs'],
  inotify_add_watch: ['pathname'],
  kexec_file_load: ['flags'],
  lchown: ['filename'],
  lgetxattr: ['pathname', 'name'],
  link: ['oldname', 'newname'],
  linkat: ['oldname', 'newname'],
  listxattr: ['pathname', 'list'],
  listxattrat: ['pathname', 'list'],
  llistxattr: ['pathname', 'list'],
  lremovexattr: ['pathname', 'name'],
  lsetxattr: ['pathname', 'name'],
  memfd_create: ['uname'],
  mkdir: ['pathname'],
  mkdirat: ['pathname'],
  mknod: ['filename'],
  mknodat: ['filename'],
  mount: ['dev_name', 'dir_name', 'type'],
  mount_setattr: ['path'],
  move_mount: ['from_pathname', 'to_pathname'],
  mq_open: ['u_name'],
  mq_timedsend: ['u_msg_ptr'],
  mq_unlink: ['u_name'],
  name_to_handle_at: ['name'],
  newfstatat: ['filename'],
  open: ['filename'],
  open_tree: ['filename'],
  open_tree_attr: ['filename'],
  openat: ['filename'],
  openat2: ['filename'],
  pivot_root: ['new_root', 'put_old'],
  pwrite64: ['buf'],
  quotactl: ['special'],
  readlink: ['path'],
  readlinkat: ['pathname'],
  removexattr: ['pathname', 'name'],
  removexattrat: ['pathname', 'name'],
  rename: ['oldname', 'newname'],
  renameat: ['oldname', 'newname'],
  renameat2: ['oldname', 'newname'],
  request_key: ['_type', '_description'],
  rmdir: ['pathname'],
  setdomainname: ['name'],
  sethostname: ['name'],
  setxattr: ['pathname', 'name'],
  setxattrat: ['pathname', 'name'],
  shmdt: ['shmaddr'],
  statfs: ['pathname'],
  statx: ['filename'],
  swapoff: ['specialfile'],
  swapon: ['specialfile'],
  symlink: ['oldname', 'newname'],
  symlinkat: ['oldname', 'newname'],
  syslog: ['buf'],
  truncate: ['path'],
  umount: ['name'],
  unlink: ['pathname'],
  unlinkat: ['pathname'],
  utime: ['filename'],
  utimensat: ['filename'],
  utimes: ['filename'],
  write: ['buf'],
};
