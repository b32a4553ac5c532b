/*
 * rcd-agent-wrapper: the compiled twin of the sh wrapper in src/daemon/process/agent-process.ts, for Linux on
 * x86-64 and arm64. Same arguments, same files, same fd 4 report, same exit status convention:
 *
 *   rcd-agent-wrapper DIR CMD [ARGS...]   (started by the daemon in its own session, stdout/stderr on the output file)
 *
 *   - DIR/stdin is a FIFO (made if missing) the agent gets as fd 0, opened read-write so it never sees EOF;
 *   - the agent's pid goes to DIR/agent.pid and, one line, to fd 4, which is then closed;
 *   - TERM, INT and HUP sent to the whole group do not end the wrapper (they are blocked here, and unblocked in the
 *     agent before exec, so the agent gets them with their default meaning);
 *   - when the agent ends, its status (its exit code, or 128 + the signal) goes to DIR/exit.tmp, renamed to DIR/exit,
 *     and the wrapper exits with it.
 *
 * Why not sh: each sh wrapper is ~115 KB of private memory for as long as its agent runs (dash's and libc's
 * relocated data, its heap and stack); this one has no C library at all (raw system calls, no relocations) and
 * builds no path (files are named relative to DIR, held open), and is ~8 KB: two pages of stack, its arguments
 * and the agent's environment. Built by scripts/build-wrapper.ts (-nostdlib -static) into dist/rcd-agent-wrapper,
 * which the daemon uses when it is there; where it cannot be built, the sh wrapper runs.
 */
typedef unsigned long size_t;
typedef long ssize_t;

#if defined(__x86_64__)
enum { SYS_statx = 332, SYS_read = 0, SYS_write = 1, SYS_close = 3, SYS_rt_sigprocmask = 14, SYS_getpid = 39, SYS_clone = 56, SYS_execve = 59,
       SYS_exit = 60, SYS_wait4 = 61, SYS_openat = 257, SYS_mknodat = 259, SYS_renameat = 264, SYS_dup3 = 292 };
static long sys6(long n, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
  return ret;
}
__asm__(".text\n.global _start\n_start:\n xor %rbp,%rbp\n mov %rsp,%rdi\n and $-16,%rsp\n call start_c\n hlt\n");
#elif defined(__aarch64__)
enum { SYS_statx = 291, SYS_read = 63, SYS_write = 64, SYS_close = 57, SYS_rt_sigprocmask = 135, SYS_getpid = 172, SYS_clone = 220, SYS_execve = 221,
       SYS_exit = 93, SYS_wait4 = 260, SYS_openat = 56, SYS_mknodat = 33, SYS_renameat = 38, SYS_dup3 = 24 };
static long sys6(long n, long a, long b, long c, long d, long e, long f) {
  register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b, x2 __asm__("x2") = c, x3 __asm__("x3") = d,
                x4 __asm__("x4") = e, x5 __asm__("x5") = f;
  __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
  return x0;
}
__asm__(".text\n.global _start\n_start:\n mov x29, #0\n mov x30, #0\n mov x0, sp\n and sp, x0, #-16\n bl start_c\n");
#else
#error "rcd-agent-wrapper: only Linux x86-64 and arm64 (elsewhere the sh wrapper runs)"
#endif

#define sys(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

enum { AT_FDCWD = -100, O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_TRUNC = 01000, O_CLOEXEC = 02000000, O_PATH = 010000000,
       S_IFIFO = 0010000, EINTR = 4, ENOENT = 2, ENOEXEC = 8, EACCES = 13, EEXIST = 17, ENOTDIR = 20, SIGCHLD = 17, SIG_BLOCK = 0,
       SIG_SETMASK = 2, AT_EMPTY_PATH = 0x1000, STATX_TYPE = 1 };
#define SIGMASK(s) (1UL << ((s) - 1))
static const unsigned long WRAPPER_SIGNALS = SIGMASK(1) | SIGMASK(2) | SIGMASK(15); /* HUP, INT, TERM */

static size_t len(const char *s) { size_t n = 0; while (s[n]) n++; return n; }

static void put(int fd, const char *s) { sys(SYS_write, fd, s, len(s)); }

static __attribute__((noreturn)) void quit(int status) {
  for (;;) sys(SYS_exit, status, 0, 0);
}

static char *decimal(char *end, unsigned long v) {
  *--end = '\0';
  *--end = '\n';
  do *--end = (char)('0' + v % 10); while ((v /= 10) != 0);
  return end;
}

/* Writes text to a new file (mode 600) in the directory `dir`, whole. */
static int write_file(long dir, const char *name, const char *text) {
  long fd = sys6(SYS_openat, dir, (long)name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600, 0, 0);
  if (fd < 0) return -1;
  size_t n = len(text);
  long w = sys(SYS_write, fd, text, n);
  sys(SYS_close, fd, 0, 0);
  return w == (long)n ? 0 : -1;
}

/* execve, and as execvp and sh do, a file the kernel cannot run (no #! line) is run as a shell script by /bin/sh. */
static long try_exec(const char *file, char **argv, char **envp) {
  long r = sys(SYS_execve, file, argv, envp);
  if (r != -ENOEXEC) return r;
  int argc = 0;
  while (argv[argc]) argc++;
  char *script[argc + 2];
  script[0] = "sh";
  script[1] = (char *)file;
  for (int i = 1; i <= argc; i++) script[i + 1] = argv[i];
  sys(SYS_execve, "/bin/sh", script, envp);
  return r;
}

/* execvp: CMD as a path when it has a slash, else each directory of the agent's PATH; the shell's exit codes. */
static __attribute__((noreturn)) void run(char **argv, char **envp) {
  const char *cmd = argv[0];
  int denied = 0;
  for (const char *c = cmd; *c; c++) {
    if (*c == '/') {
      long r = try_exec(cmd, argv, envp);
      put(2, "rcd: cannot run "); put(2, cmd); put(2, r == -EACCES ? ": permission denied\n" : ": not found\n");
      quit(r == -EACCES ? 126 : 127);
    }
  }
  const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (char **e = envp; *e; e++) {
    const char *v = *e;
    if (v[0] == 'P' && v[1] == 'A' && v[2] == 'T' && v[3] == 'H' && v[4] == '=') path = v + 5;
  }
  static char full[4096]; /* in the agent's process only, which exec replaces */
  size_t clen = len(cmd);
  for (const char *p = path;; p++) {
    const char *start = p;
    while (*p && *p != ':') p++;
    size_t dlen = (size_t)(p - start);
    if (dlen == 0) { start = "."; dlen = 1; } /* an empty entry is the current directory, as in sh */
    if (dlen + 1 + clen + 1 <= sizeof full) {
      for (size_t i = 0; i < dlen; i++) full[i] = start[i];
      full[dlen] = '/';
      for (size_t i = 0; i <= clen; i++) full[dlen + 1 + i] = cmd[i];
      long r = try_exec(full, argv, envp);
      if (r == -EACCES) denied = 1;
    }
    if (!*p) break;
  }
  put(2, "rcd: cannot run "); put(2, cmd); put(2, denied ? ": permission denied\n" : ": not found\n");
  quit(denied ? 126 : 127);
}

__attribute__((used)) void start_c(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  if (argc < 3) {
    put(2, "usage: rcd-agent-wrapper DIR CMD [ARGS...] (started by the rcd daemon)\n");
    quit(2);
  }
  /* Blocked before anything else: a group-wide TERM must not end the wrapper before it has recorded the status. */
  unsigned long old_mask = 0, block = WRAPPER_SIGNALS;
  sys6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&block, (long)&old_mask, 8, 0, 0);

  /* The session directory, held open (not executed into: close-on-exec): every file is named relative to it, so no
   * path is ever built, whatever DIR's length, and the stack this process keeps for as long as its agent runs is
   * its arguments, its environment and a few hundred bytes. */
  long dir = sys6(SYS_openat, AT_FDCWD, (long)argv[1], O_PATH | O_CLOEXEC, 0, 0, 0);
  if (dir < 0) quit(126);
  long r = sys6(SYS_mknodat, dir, (long)"stdin", S_IFIFO | 0600, 0, 0, 0);
  if (r < 0 && r != -EEXIST) quit(126);
  long in = sys6(SYS_openat, dir, (long)"stdin", O_RDWR | O_CLOEXEC, 0, 0, 0);
  if (in < 0) quit(126);
  /* Something else by that name (not a FIFO) is refused, as the sh wrapper's [ -p ] does. statx's layout is the same
   * on every architecture: stx_mode is the 16 bits at offset 28. */
  unsigned char sx[256];
  if (sys6(SYS_statx, in, (long)"", AT_EMPTY_PATH, STATX_TYPE, (long)sx, 0) < 0) quit(126);
  unsigned mode = (unsigned)sx[28] | (unsigned)sx[29] << 8;
  if ((mode & 0170000) != S_IFIFO) quit(126);

  long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
  if (pid < 0) quit(126);
  if (pid == 0) {
    /* The agent: the FIFO as stdin, fd 4 closed (dup3 clears close-on-exec on the copy), the caller's mask. */
    sys(SYS_dup3, in, 0, 0);
    sys(SYS_close, 4, 0, 0);
    sys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old_mask, 0, 8, 0, 0);
    run(argv + 2, envp);
  }
  sys(SYS_close, in, 0, 0);
  /* From here on the wrapper's own stderr (the output file) is of no more use: nothing more is written to it. */
  char num[32];
  const char *line = decimal(num + sizeof num, (unsigned long)pid);
  write_file(dir, "agent.pid", line);
  put(4, line);
  sys(SYS_close, 4, 0, 0);

  int status = 0;
  for (;;) {
    long w = sys6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
    if (w == pid) break;
    if (w != -EINTR) { status = 127 << 8; break; }
  }
  /* The shell's $?: the exit code, or 128 + the signal that ended it. */
  int term = status & 0x7f;
  int st = term == 0 ? (status >> 8) & 0xff : 128 + term;
  line = decimal(num + sizeof num, (unsigned long)st);
  if (write_file(dir, "exit.tmp", line) == 0) sys6(SYS_renameat, dir, (long)"exit.tmp", dir, (long)"exit", 0, 0);
  quit(st);
}
