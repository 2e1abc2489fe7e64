/*
 * hello: a tiny static program that says which platform it was built for, which platform built
 * it, and what the machine it runs on reports (uname(2), like `uname -m`).
 *
 * TARGET_PLATFORM and BUILD_PLATFORM are set by the Dockerfile (-D...), from BuildKit's
 * TARGETPLATFORM and BUILDPLATFORM.
 */
#include <stdio.h>
#include <sys/utsname.h>

#ifndef TARGET_PLATFORM
#define TARGET_PLATFORM "unknown"
#endif
#ifndef BUILD_PLATFORM
#define BUILD_PLATFORM "unknown"
#endif

int main(void) {
  struct utsname u;
  printf("hello from %s (built on %s)\n", TARGET_PLATFORM, BUILD_PLATFORM);
  if (uname(&u) == 0) {
    printf("running on %s, %s %s\n", u.machine, u.sysname, u.release);
  } else {
    perror("uname");
    return 1;
  }
  return 0;
}
