{
  # Built at install time by `node-gyp rebuild --directory native` (the root package's "install" script),
  # the same way better-sqlite3 builds from source. Outputs land in native/build/Release/.
  "targets": [
    {
      # Node-API addon (plain C, node_api.h): SO_PEERCRED and reentrant passwd/group lookups.
      "target_name": "drover_native",
      "sources": ["drover_native.c"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wformat=2", "-fstack-protector-strong"]
    },
    {
      # Privilege-dropping launcher: becomes the job's user (with all supplementary groups), applies a
      # umask, creates private dirs and changes directory as that user, then execs the job's program.
      "target_name": "drover-exec",
      "type": "executable",
      "sources": ["drover-exec.c"],
      "defines": ["_GNU_SOURCE", "_FORTIFY_SOURCE=2"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wformat=2", "-fstack-protector-strong", "-fPIE"],
      "ldflags": ["-pie", "-Wl,-z,relro,-z,now"]
    }
  ]
}
