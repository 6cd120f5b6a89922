// drover-exec: start a job's program as the job's user.
//
//   drover-exec [--error-fd N] [--ctty] [--uid N --gid N] [--umask OOO] [--mkdir PATH]... [--cd DIR]...
//               [--argv0 NAME] [--wait-fd N] -- PROGRAM [ARGS...]
//
// Node's spawn({uid, gid}) calls setgroups(0) (dropping every supplementary group) and chdirs as root
// before dropping privileges; this launcher does it in the right order instead:
//
//   1. --error-fd N   mark N close-on-exec; any failure before exec writes ONE line
//                     "drover-exec: <what failed>: <reason>" to N (to 2 without it) and exits 127.
//                     N must be 3 or higher so the program keeps its stdin/stdout/stderr.
//   1b. --ctty        stdin (a terminal) becomes the controlling terminal of the launcher's session
//                     (TIOCSCTTY; the launcher must lead its session: start it with setsid, as
//                     Node's spawn({detached: true}) does), so the program gets job control and ^C.
//   2. --uid/--gid    (both or neither) unless already running as exactly that uid and gid:
//                     getpwuid(uid) -> initgroups(name, gid), setgid(gid), setuid(uid), and for a
//                     non-root uid, check that setuid(0) now fails.
//   3. --umask OOO    octal 0..777.
//   4. --mkdir PATH   mkdir(PATH, 0700) as the user; refuses anything already there (EEXIST, also a
//                     symlink), then forces the mode to exactly 0700 through an O_NOFOLLOW handle.
//   5. --cd DIR       as the user, chdir to the first DIR that works (repeatable); without it the
//                     inherited directory stays.
//   5b. --wait-fd N   wait for one byte on N (>= 3) before the exec, then close N: the caller starts
//                     the program when it is ready (an interactive job's terminal attached). End of
//                     file without a byte is a failure ("not released").
//   6. execvp(PROGRAM, [argv0 or PROGRAM, ARGS...]) with the environment unchanged.
//
// The launcher never runs a shell and never builds command strings. It refuses to run set-uid/set-gid.

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define EXIT_LAUNCH_FAILED 127

// Where failure lines go: fd 2 until --error-fd names another one.
static int error_fd = STDERR_FILENO;

// Write all of buf to fd, retrying on EINTR and short writes. Best effort: nothing else can be done.
static void write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    buf += n;
    len -= (size_t)n;
  }
}

// Report "drover-exec: <what>: <reason>\n" on error_fd as a single write and exit 127.
// Control characters (a newline in a path, say) are replaced so the report stays one line.
static void fail(const char *what, const char *reason) __attribute__((noreturn));
static void fail(const char *what, const char *reason) {
  char line[1024];
  int n = snprintf(line, sizeof line, "drover-exec: %s: %s", what, reason);
  if (n < 0) n = 0;
  size_t len = (size_t)n < sizeof line - 1 ? (size_t)n : sizeof line - 2;  // leave room for '\n'
  for (size_t i = 0; i < len; i++) {
    if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f) line[i] = '?';
  }
  line[len++] = '\n';
  write_all(error_fd, line, len);
  _exit(EXIT_LAUNCH_FAILED);
}

// fail() with strerror(err) as the reason.
static void fail_errno(const char *what, int err) __attribute__((noreturn));
static void fail_errno(const char *what, int err) { fail(what, strerror(err)); }

// fail() with "<verb> <path>" as what.
static void fail_path(const char *verb, const char *path, int err) __attribute__((noreturn));
static void fail_path(const char *verb, const char *path, int err) {
  char what[512];
  snprintf(what, sizeof what, "%s %s", verb, path);
  fail_errno(what, err);
}

static void usage_error(const char *reason) __attribute__((noreturn));
static void usage_error(const char *reason) { fail("usage", reason); }

// Strict unsigned decimal: digits only (no sign, no spaces, no empty), value <= max.
static bool parse_decimal(const char *s, unsigned long max, unsigned long *out) {
  if (s == NULL || *s == '\0') return false;
  for (const char *p = s; *p != '\0'; p++) {
    if (*p < '0' || *p > '9') return false;
  }
  errno = 0;
  char *end = NULL;
  unsigned long v = strtoul(s, &end, 10);
  if (errno != 0 || end == NULL || *end != '\0' || v > max) return false;
  *out = v;
  return true;
}

// Strict octal umask: 1 to 4 octal digits, value <= 0777.
static bool parse_umask(const char *s, mode_t *out) {
  size_t len = strlen(s);
  if (len == 0 || len > 4) return false;
  unsigned v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '7') return false;
    v = v * 8 + (unsigned)(s[i] - '0');
  }
  if (v > 0777) return false;
  *out = (mode_t)v;
  return true;
}

// The options this launcher knows; each takes one value in the next argument.
static bool is_option(const char *s) {
  static const char *const known[] = {"--error-fd", "--uid",  "--gid",     "--umask",
                                      "--mkdir",    "--cd",   "--argv0",   "--wait-fd"};
  for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
    if (strcmp(s, known[k]) == 0) return true;
  }
  return false;
}

int main(int argc, char **argv) {
  // A set-uid/set-gid install would let any user start programs as anyone: refuse outright.
  if (getuid() != geteuid() || getgid() != getegid()) fail("startup", "refusing to run set-uid or set-gid");
  if (argc < 1) fail("startup", "no argv");

  bool have_uid = false, have_gid = false, have_umask = false, ctty = false;
  int wait_fd = -1;
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t mask = 0;
  const char *argv0 = NULL;
  // --mkdir and --cd values point into argv; there cannot be more of them than arguments.
  const char **mkdirs = calloc((size_t)argc, sizeof *mkdirs);
  const char **cds = calloc((size_t)argc, sizeof *cds);
  if (mkdirs == NULL || cds == NULL) fail_errno("startup", ENOMEM);
  int n_mkdirs = 0, n_cds = 0;

  // ---- Parse options up to "--". Every option takes exactly one value in the next argument.
  int i = 1;
  for (; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--") == 0) break;
    if (strcmp(opt, "--ctty") == 0) {  // the one option without a value
      ctty = true;
      continue;
    }
    if (!is_option(opt)) {
      char reason[300];
      snprintf(reason, sizeof reason, "unknown option %.200s", opt);
      usage_error(reason);
    }
    if (i + 1 >= argc) {
      char reason[300];
      snprintf(reason, sizeof reason, "%.200s needs a value", opt);
      usage_error(reason);
    }
    const char *val = argv[++i];
    unsigned long num;
    if (strcmp(opt, "--error-fd") == 0) {
      // (1) Report failures here from now on; close it on a successful exec.
      if (error_fd != STDERR_FILENO) usage_error("--error-fd given twice");
      if (!parse_decimal(val, INT_MAX, &num) || num < 3) usage_error("--error-fd must be an integer >= 3");
      int fd = (int)num;
      int flags = fcntl(fd, F_GETFD);
      if (flags < 0) fail_errno("--error-fd", errno);
      if (fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) fail_errno("--error-fd", errno);
      error_fd = fd;
    } else if (strcmp(opt, "--uid") == 0) {
      if (have_uid) usage_error("--uid given twice");
      if (!parse_decimal(val, (unsigned long)(uid_t)-1 - 1, &num)) usage_error("--uid must be a decimal uid");
      uid = (uid_t)num;
      have_uid = true;
    } else if (strcmp(opt, "--gid") == 0) {
      if (have_gid) usage_error("--gid given twice");
      if (!parse_decimal(val, (unsigned long)(gid_t)-1 - 1, &num)) usage_error("--gid must be a decimal gid");
      gid = (gid_t)num;
      have_gid = true;
    } else if (strcmp(opt, "--umask") == 0) {
      if (have_umask) usage_error("--umask given twice");
      if (!parse_umask(val, &mask)) usage_error("--umask must be octal 000..777");
      have_umask = true;
    } else if (strcmp(opt, "--mkdir") == 0) {
      if (*val == '\0') usage_error("--mkdir needs a non-empty path");
      mkdirs[n_mkdirs++] = val;
    } else if (strcmp(opt, "--cd") == 0) {
      if (*val == '\0') usage_error("--cd needs a non-empty path");
      cds[n_cds++] = val;
    } else if (strcmp(opt, "--argv0") == 0) {
      if (argv0 != NULL) usage_error("--argv0 given twice");
      argv0 = val;
    } else if (strcmp(opt, "--wait-fd") == 0) {
      if (wait_fd >= 0) usage_error("--wait-fd given twice");
      if (!parse_decimal(val, INT_MAX, &num) || num < 3) usage_error("--wait-fd must be an integer >= 3");
      wait_fd = (int)num;
    }
  }
  if (i >= argc) usage_error("missing -- before the program");
  int prog_index = i + 1;
  if (prog_index >= argc || argv[prog_index][0] == '\0') usage_error("missing program after --");
  if (have_uid != have_gid) usage_error("--uid and --gid go together");

  // ---- (1b) The terminal on stdin becomes this session's controlling terminal.
  if (ctty && ioctl(STDIN_FILENO, TIOCSCTTY, 0) != 0) fail_errno("--ctty: ioctl(TIOCSCTTY)", errno);

  // ---- (2) Become the user, unless we already are exactly that uid and gid.
  if (have_uid && !(geteuid() == uid && getegid() == gid)) {
    char what[64];
    errno = 0;
    struct passwd *pw = getpwuid(uid);
    if (pw == NULL) {
      snprintf(what, sizeof what, "getpwuid %lu", (unsigned long)uid);
      if (errno != 0 && errno != ENOENT && errno != ESRCH) fail_errno(what, errno);
      fail(what, "no passwd entry for this uid");
    }
    // initgroups needs root (CAP_SETGID): a non-root caller asking for another user stops here, EPERM.
    if (initgroups(pw->pw_name, gid) != 0) fail_errno("initgroups", errno);
    if (setgid(gid) != 0) fail_errno("setgid", errno);
    if (setuid(uid) != 0) fail_errno("setuid", errno);
    // Check every id stuck; for a non-root target, regaining root must now be impossible.
    if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid) {
      fail("setuid", "ids did not change as asked");
    }
    if (uid != 0 && setuid(0) != -1) fail("setuid", "privileges could be regained after dropping them");
  }

  // ---- (3) File-creation mask for the job (and for the --mkdir below).
  if (have_umask) umask(mask);

  // ---- (4) Private directories, created as the user. mkdir never follows a symlink in the last
  // component: anything already there (file, dir, dangling or live symlink) is EEXIST.
  for (int k = 0; k < n_mkdirs; k++) {
    const char *path = mkdirs[k];
    // Create with umask 0 so the job's umask (even 777) cannot strip the owner's bits; restore it after.
    mode_t saved = umask(0);
    int rc = mkdir(path, 0700);
    int err = errno;
    umask(saved);
    if (rc != 0) fail_path("mkdir", path, err);
    // A set-gid parent or a default ACL can still alter the mode: set exactly 0700 on the directory we
    // just made, through a handle that refuses symlinks, after checking it is a directory owned by us.
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) fail_path("open", path, errno);
    struct stat st;
    if (fstat(fd, &st) != 0) fail_path("stat", path, errno);
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) fail_path("mkdir", path, EEXIST);
    if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) != 0) fail_path("chmod", path, errno);
    if (close(fd) != 0) fail_path("close", path, errno);
  }

  // ---- (5) Start directory: the first of the --cd dirs the user can enter.
  if (n_cds > 0) {
    int last_err = 0;
    bool entered = false;
    for (int k = 0; k < n_cds && !entered; k++) {
      if (chdir(cds[k]) == 0) {
        entered = true;
      } else {
        last_err = errno;
      }
    }
    if (!entered) {
      // Name every directory tried (truncated to the buffer), with the last error.
      char what[700];
      size_t used = (size_t)snprintf(what, sizeof what, "cd");
      for (int k = 0; k < n_cds && used < sizeof what; k++) {
        int w = snprintf(what + used, sizeof what - used, "%s%s", k == 0 ? " " : ", ", cds[k]);
        if (w < 0) break;
        used += (size_t)w;
      }
      fail_errno(what, last_err);
    }
  }

  // ---- (5b) Wait until the caller releases the program: one byte on wait_fd.
  if (wait_fd >= 0) {
    char go;
    ssize_t n;
    do {
      n = read(wait_fd, &go, 1);
    } while (n < 0 && errno == EINTR);
    if (n < 0) fail_errno("--wait-fd", errno);
    if (n == 0) fail("--wait-fd", "not released");
    close(wait_fd);
  }

  // ---- (6) Exec. argv[prog_index..] is [PROGRAM, ARGS..., NULL]; only argv[0] is replaced.
  const char *program = argv[prog_index];
  if (argv0 != NULL) argv[prog_index] = (char *)argv0;
  free(mkdirs);
  free(cds);
  execvp(program, &argv[prog_index]);
  fail_path("exec", program, errno);
}
