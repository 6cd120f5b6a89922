// drover_native: the few system calls Node does not expose, for a multi-user head and root agents.
//
//   peerCred(fd)          -> { pid, uid, gid }   kernel-verified credentials of a Unix socket's peer
//   userByUid(uid)        -> Account | null       getpwuid_r (goes through NSS: files, LDAP, sssd, ...)
//   userByName(name)      -> Account | null       getpwnam_r
//   groupsOf(name, gid)   -> number[]             getgrouplist: the gids initgroups(name, gid) would set
//   groupByName(name)     -> number | null        getgrnam_r: the gid of a group
//   openPty()             -> { master, slave, path } a new pseudo-terminal pair (both fds close-on-exec)
//   setWindowSize(fd, rows, cols)                  TIOCSWINSZ: the terminal's size (SIGWINCH to its job)
//
// Plain C against Node-API (node_api.h) so the addon is ABI-stable across Node versions.
// Failures throw an Error whose message names the errno (and whose .code is the errno name).

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <node_api.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

// Upper bounds for the retry-on-ERANGE loops: no sane passwd entry or group list is bigger.
#define PW_BUF_MAX (1024 * 1024)
#define GROUPS_MAX 65536
// Longest user name accepted (LOGIN_NAME_MAX is 256 on Linux, including the NUL).
#define NAME_MAX_BYTES 256

// Evaluate a Node-API call; on failure return NULL (a JS exception is then pending or thrown here).
#define NAPI_CALL(env, call)                                                                             \
  do {                                                                                                   \
    if ((call) != napi_ok) {                                                                             \
      throw_napi_failure(env, #call);                                                                    \
      return NULL;                                                                                       \
    }                                                                                                    \
  } while (0)

static void throw_napi_failure(napi_env env, const char *what) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending) return;
  const napi_extended_error_info *info = NULL;
  const char *msg = "unknown Node-API failure";
  if (napi_get_last_error_info(env, &info) == napi_ok && info != NULL && info->error_message != NULL) {
    msg = info->error_message;
  }
  char buf[256];
  snprintf(buf, sizeof buf, "drover_native: %s: %s", what, msg);
  napi_throw_error(env, NULL, buf);
}

// The symbolic name of an errno value ("EBADF"), or "E?" when unknown.
static const char *errno_name(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *name = strerrorname_np(err);
  if (name != NULL) return name;
#endif
  switch (err) {
  case EBADF: return "EBADF";
  case ENOTSOCK: return "ENOTSOCK";
  case ENOTCONN: return "ENOTCONN";
  case EAFNOSUPPORT: return "EAFNOSUPPORT";
  case EINVAL: return "EINVAL";
  case ENOMEM: return "ENOMEM";
  case ERANGE: return "ERANGE";
  case EIO: return "EIO";
  case EMFILE: return "EMFILE";
  case ENFILE: return "ENFILE";
  default: return "E?";
  }
}

// Throw Error("<what>: <ENAME> (<strerror>)") with .code = "<ENAME>". Always returns NULL.
static napi_value throw_errno(napi_env env, const char *what, int err) {
  char text[128];
  // GNU strerror_r returns a pointer to the message (maybe static, maybe text).
  const char *desc = strerror_r(err, text, sizeof text);
  char msg[512];
  snprintf(msg, sizeof msg, "%s: %s (%s)", what, errno_name(err), desc != NULL ? desc : "unknown error");
  napi_throw_error(env, errno_name(err), msg);
  return NULL;
}

// Fetch exactly `want` arguments (extra ones are ignored like any JS function; missing ones throw).
static bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    throw_napi_failure(env, "napi_get_cb_info");
    return false;
  }
  if (argc < want) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "drover_native: missing argument(s)");
    return false;
  }
  return true;
}

// A JS number that is an integer in [min, max]; throws a TypeError/RangeError otherwise.
static bool get_integer(napi_env env, napi_value v, const char *what, double min, double max, double *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) {
    char msg[128];
    snprintf(msg, sizeof msg, "drover_native: %s must be a number", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return false;
  }
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    throw_napi_failure(env, "napi_get_value_double");
    return false;
  }
  // NaN fails both comparisons; the cast check rejects fractions and infinities.
  if (!(d >= min && d <= max) || d != (double)(int64_t)d) {
    char msg[160];
    snprintf(msg, sizeof msg, "drover_native: %s must be an integer in [%.0f, %.0f]", what, min, max);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return false;
  }
  *out = d;
  return true;
}

// A uid or gid: 0 .. 2^32-2 ((uid_t)-1 means "no id" to the kernel and is refused).
static bool get_id(napi_env env, napi_value v, const char *what, uint32_t *out) {
  double d;
  if (!get_integer(env, v, what, 0, 4294967294.0, &d)) return false;
  *out = (uint32_t)d;
  return true;
}

// A user name as a NUL-terminated string in `buf` (size NAME_MAX_BYTES). Rejects non-strings, the
// empty string, names that do not fit, and embedded NULs (which would silently look up a prefix).
static bool get_name(napi_env env, napi_value v, char *buf) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "drover_native: user name must be a string");
    return false;
  }
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    throw_napi_failure(env, "napi_get_value_string_utf8");
    return false;
  }
  if (len == 0 || len >= NAME_MAX_BYTES) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "drover_native: user name must be 1..255 bytes");
    return false;
  }
  size_t copied = 0;
  if (napi_get_value_string_utf8(env, v, buf, NAME_MAX_BYTES, &copied) != napi_ok) {
    throw_napi_failure(env, "napi_get_value_string_utf8");
    return false;
  }
  if (copied != len || strlen(buf) != len) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "drover_native: user name contains a NUL byte");
    return false;
  }
  return true;
}

static bool set_uint(napi_env env, napi_value obj, const char *key, uint32_t value) {
  napi_value v;
  return napi_create_uint32(env, value, &v) == napi_ok && napi_set_named_property(env, obj, key, v) == napi_ok;
}

static bool set_int(napi_env env, napi_value obj, const char *key, int32_t value) {
  napi_value v;
  return napi_create_int32(env, value, &v) == napi_ok && napi_set_named_property(env, obj, key, v) == napi_ok;
}

static bool set_str(napi_env env, napi_value obj, const char *key, const char *value) {
  napi_value v;
  return napi_create_string_utf8(env, value != NULL ? value : "", NAPI_AUTO_LENGTH, &v) == napi_ok &&
         napi_set_named_property(env, obj, key, v) == napi_ok;
}

// peerCred(fd: number): { pid, uid, gid }
static napi_value peer_cred(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  double d;
  // Any int is passed on: the kernel's answer for a bad one (EBADF) is the most useful error.
  if (!get_integer(env, argv[0], "fd", INT_MIN, INT_MAX, &d)) return NULL;
  int fd = (int)d;

  // Only a Unix socket carries peer credentials; on other sockets Linux reports uid -1 instead.
  int domain = 0;
  socklen_t dlen = sizeof domain;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) != 0) {
    return throw_errno(env, "peerCred: getsockopt(SO_DOMAIN)", errno);
  }
  if (domain != AF_UNIX) return throw_errno(env, "peerCred: not a Unix socket", EAFNOSUPPORT);

  struct ucred cred;
  memset(&cred, 0, sizeof cred);
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return throw_errno(env, "peerCred: getsockopt(SO_PEERCRED)", errno);
  }
  if (len != sizeof cred) return throw_errno(env, "peerCred: getsockopt(SO_PEERCRED) short result", EINVAL);
  // A Unix socket that never connected (a listener, say) has no peer: the kernel gives uid/gid -1.
  if (cred.uid == (uid_t)-1 || cred.gid == (gid_t)-1) {
    return throw_errno(env, "peerCred: no peer credentials", ENOTCONN);
  }

  napi_value obj;
  NAPI_CALL(env, napi_create_object(env, &obj));
  if (!set_int(env, obj, "pid", (int32_t)cred.pid) || !set_uint(env, obj, "uid", (uint32_t)cred.uid) ||
      !set_uint(env, obj, "gid", (uint32_t)cred.gid)) {
    throw_napi_failure(env, "peerCred result");
    return NULL;
  }
  return obj;
}

// Convert a passwd entry to { name, uid, gid, home, shell }.
static napi_value account_object(napi_env env, const struct passwd *pw) {
  napi_value obj;
  NAPI_CALL(env, napi_create_object(env, &obj));
  if (!set_str(env, obj, "name", pw->pw_name) || !set_uint(env, obj, "uid", (uint32_t)pw->pw_uid) ||
      !set_uint(env, obj, "gid", (uint32_t)pw->pw_gid) || !set_str(env, obj, "home", pw->pw_dir) ||
      !set_str(env, obj, "shell", pw->pw_shell)) {
    throw_napi_failure(env, "account result");
    return NULL;
  }
  return obj;
}

// Shared body of userByUid/userByName: by_name selects getpwnam_r(name) over getpwuid_r(uid).
static napi_value lookup_user(napi_env env, bool by_name, const char *name, uid_t uid) {
  long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  size_t size = (hint > 0 && hint <= PW_BUF_MAX) ? (size_t)hint : 4096;
  for (;;) {
    char *buf = malloc(size);
    if (buf == NULL) return throw_errno(env, "passwd lookup", ENOMEM);
    struct passwd pw;
    struct passwd *result = NULL;
    int rc = by_name ? getpwnam_r(name, &pw, buf, size, &result) : getpwuid_r(uid, &pw, buf, size, &result);
    if (rc == ERANGE && size < PW_BUF_MAX) {
      // The entry does not fit: retry with a bigger buffer (bounded by PW_BUF_MAX).
      free(buf);
      size *= 2;
      continue;
    }
    napi_value out;
    if (rc == 0 && result != NULL) {
      out = account_object(env, result);
    } else if (rc == 0 || rc == ENOENT || rc == ESRCH) {
      // No such user (glibc reports it as rc 0 with a NULL result; POSIX allows ENOENT/ESRCH too).
      if (napi_get_null(env, &out) != napi_ok) {
        throw_napi_failure(env, "napi_get_null");
        out = NULL;
      }
    } else {
      out = throw_errno(env, by_name ? "userByName: getpwnam_r" : "userByUid: getpwuid_r", rc);
    }
    free(buf);
    return out;
  }
}

// userByUid(uid: number): Account | null
static napi_value user_by_uid(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  uint32_t uid;
  if (!get_id(env, argv[0], "uid", &uid)) return NULL;
  return lookup_user(env, false, NULL, (uid_t)uid);
}

// userByName(name: string): Account | null
static napi_value user_by_name(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  char name[NAME_MAX_BYTES];
  if (!get_name(env, argv[0], name)) return NULL;
  return lookup_user(env, true, name, 0);
}

// groupByName(name: string): number | null  -- the gid of a group (getgrnam_r, through NSS).
static napi_value group_by_name(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  char name[NAME_MAX_BYTES];
  if (!get_name(env, argv[0], name)) return NULL;

  long hint = sysconf(_SC_GETGR_R_SIZE_MAX);
  size_t size = (hint > 0 && hint <= PW_BUF_MAX) ? (size_t)hint : 4096;
  for (;;) {
    char *buf = malloc(size);
    if (buf == NULL) return throw_errno(env, "groupByName", ENOMEM);
    struct group gr;
    struct group *result = NULL;
    int rc = getgrnam_r(name, &gr, buf, size, &result);
    if (rc == ERANGE && size < PW_BUF_MAX) {
      // A group with many members does not fit: retry bigger (bounded by PW_BUF_MAX).
      free(buf);
      size *= 2;
      continue;
    }
    napi_value out = NULL;
    if (rc == 0 && result != NULL) {
      if (napi_create_uint32(env, (uint32_t)result->gr_gid, &out) != napi_ok) {
        throw_napi_failure(env, "groupByName result");
        out = NULL;
      }
    } else if (rc == 0 || rc == ENOENT || rc == ESRCH) {
      if (napi_get_null(env, &out) != napi_ok) {
        throw_napi_failure(env, "napi_get_null");
        out = NULL;
      }
    } else {
      out = throw_errno(env, "groupByName: getgrnam_r", rc);
    }
    free(buf);
    return out;
  }
}

// groupsOf(name: string, gid: number): number[]  -- gid first, then the user's supplementary groups.
static napi_value groups_of(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char name[NAME_MAX_BYTES];
  if (!get_name(env, argv[0], name)) return NULL;
  uint32_t gid;
  if (!get_id(env, argv[1], "gid", &gid)) return NULL;

  int count = 32;
  for (;;) {
    gid_t *groups = calloc((size_t)count, sizeof *groups);
    if (groups == NULL) return throw_errno(env, "groupsOf", ENOMEM);
    int n = count;
    if (getgrouplist(name, (gid_t)gid, groups, &n) == -1) {
      // Too small: n now holds the number needed (glibc). Grow, bounded by GROUPS_MAX.
      free(groups);
      if (count >= GROUPS_MAX) return throw_errno(env, "groupsOf: getgrouplist", ERANGE);
      count = (n > count && n <= GROUPS_MAX) ? n : (count * 2 > GROUPS_MAX ? GROUPS_MAX : count * 2);
      continue;
    }
    napi_value arr;
    if (n < 0 || n > count || napi_create_array_with_length(env, (size_t)n, &arr) != napi_ok) {
      free(groups);
      throw_napi_failure(env, "groupsOf result");
      return NULL;
    }
    for (int i = 0; i < n; i++) {
      napi_value v;
      if (napi_create_uint32(env, (uint32_t)groups[i], &v) != napi_ok ||
          napi_set_element(env, arr, (uint32_t)i, v) != napi_ok) {
        free(groups);
        throw_napi_failure(env, "groupsOf result");
        return NULL;
      }
    }
    free(groups);
    return arr;
  }
}

// openPty(): { master, slave, path }  -- a pseudo-terminal pair, neither the caller's controlling
// terminal, both close-on-exec (a child gets the slave only through its stdio). The slave belongs to
// the caller (grantpt); a root caller gives it to the job's user itself.
static napi_value open_pty(napi_env env, napi_callback_info info) {
  (void)info;
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return throw_errno(env, "openPty: posix_openpt", errno);
  char path[128];
  int err = 0;
  if (grantpt(master) != 0 || unlockpt(master) != 0) err = errno;
  if (err == 0) err = ptsname_r(master, path, sizeof path);
  int slave = -1;
  if (err == 0) {
    slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) err = errno;
  }
  if (err != 0) {
    close(master);
    return throw_errno(env, "openPty", err);
  }
  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok || !set_int(env, obj, "master", master) ||
      !set_int(env, obj, "slave", slave) || !set_str(env, obj, "path", path)) {
    close(master);
    close(slave);
    throw_napi_failure(env, "openPty result");
    return NULL;
  }
  return obj;
}

// setWindowSize(fd, rows, cols): TIOCSWINSZ on a terminal (either side of a pty pair); the kernel
// sends SIGWINCH to the terminal's foreground process group when the size changes.
static napi_value set_window_size(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  double fd, rows, cols;
  if (!get_integer(env, argv[0], "fd", 0, INT_MAX, &fd) || !get_integer(env, argv[1], "rows", 0, 65535, &rows) ||
      !get_integer(env, argv[2], "cols", 0, 65535, &cols)) {
    return NULL;
  }
  struct winsize ws;
  memset(&ws, 0, sizeof ws);
  ws.ws_row = (unsigned short)rows;
  ws.ws_col = (unsigned short)cols;
  if (ioctl((int)fd, TIOCSWINSZ, &ws) != 0) return throw_errno(env, "setWindowSize: ioctl(TIOCSWINSZ)", errno);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"peerCred", NULL, peer_cred, NULL, NULL, NULL, napi_enumerable, NULL},
      {"userByUid", NULL, user_by_uid, NULL, NULL, NULL, napi_enumerable, NULL},
      {"userByName", NULL, user_by_name, NULL, NULL, NULL, napi_enumerable, NULL},
      {"groupsOf", NULL, groups_of, NULL, NULL, NULL, napi_enumerable, NULL},
      {"groupByName", NULL, group_by_name, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openPty", NULL, open_pty, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setWindowSize", NULL, set_window_size, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  NAPI_CALL(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
