/*
 * kc-clock: the clock layer of kafka-chaos. An LD_PRELOAD library that moves what a process reads
 * as the wall clock (CLOCK_REALTIME and its coarse variant, gettimeofday, time) by an offset the
 * harness sets from outside, as a bumped, strobed or drifting system clock would. The monotonic
 * clocks are left alone, as settimeofday leaves them: timeouts, sleeps and condition waits keep
 * their real length, and nothing but the wall clock is intercepted, so the process keeps its speed
 * (libfaketime, which also fakes the monotonic clocks and pthread_cond_timedwait, started a Kafka
 * cluster 10x slower here).
 *
 * The offset lives in a 4 KiB state file (KC_CLOCK_FILE, default /var/lib/kc/clock/state) that
 * every process of the node maps shared, read-only; the harness writes it on the host, through a
 * bind mount, and each read of the clock sees the new value at once. Layout: little-endian int64s,
 * a seqlock around the fields (odd while a writer is between its two increments):
 *
 *   [0] seq          [1] offset_ns         [2] strobe_delta_ns   [3] strobe_period_ns
 *   [4] strobe_until_ns (real wall clock)  [5] drift_ppm         [6] drift_anchor_ns (real wall clock)
 *
 *   fake = real + offset + (real - anchor) * drift_ppm / 1e6
 *               + (real < strobe_until && (real / strobe_period) is odd ? strobe_delta : 0)
 *
 * No file (or a short one): the real clock. The file is opened on the first read of the clock and
 * never again. Build: cc -O2 -shared -fPIC -o libkc-clock.so kc-clock.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define KC_FIELDS 7
#define KC_SIZE 4096

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static clock_gettime_fn real_clock_gettime;
/* NULL: not tried yet; MAP_FAILED: no state file, the real clock. */
static volatile int64_t *state;

static int64_t *map_state(void) {
  const char *path = getenv("KC_CLOCK_FILE");
  if (!path || !*path) path = "/var/lib/kc/clock/state";
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MAP_FAILED;
  struct stat st;
  void *p = MAP_FAILED;
  if (fstat(fd, &st) == 0 && st.st_size >= (off_t)(KC_FIELDS * sizeof(int64_t))) p = mmap(NULL, KC_SIZE, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  return p;
}

static volatile int64_t *the_state(void) {
  volatile int64_t *s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
  if (s) return s;
  int64_t *mine = map_state();
  volatile int64_t *expected = NULL;
  /* Two threads may race to map it: the loser unmaps its copy. */
  if (!__atomic_compare_exchange_n(&state, &expected, (volatile int64_t *)mine, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    if (mine != MAP_FAILED) munmap(mine, KC_SIZE);
    return expected;
  }
  return mine;
}

/* The shift of the wall clock at the real time `ts`, in ns (0 on the fast path: nothing set). */
static int64_t shift_at(const struct timespec *ts) {
  volatile int64_t *s = the_state();
  if (s == MAP_FAILED) return 0;
  int64_t f[KC_FIELDS];
  for (int tries = 0; tries < 1000; tries++) {
    int64_t seq = __atomic_load_n(&s[0], __ATOMIC_ACQUIRE);
    if (seq & 1) continue;
    for (int i = 1; i < KC_FIELDS; i++) f[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&s[0], __ATOMIC_RELAXED) != seq) continue;
    int64_t shift = f[1];
    if (f[5] == 0 && f[3] <= 0) return shift;
    int64_t real = (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
    if (f[5] != 0) shift += (int64_t)((double)(real - f[6]) * (double)f[5] / 1e6);
    if (f[3] > 0 && real < f[4] && ((real / f[3]) & 1)) shift += f[2];
    return shift;
  }
  return 0;
}

static int real_now(clockid_t id, struct timespec *ts) {
  clock_gettime_fn fn = __atomic_load_n(&real_clock_gettime, __ATOMIC_RELAXED);
  if (!fn) {
    fn = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
    __atomic_store_n(&real_clock_gettime, fn, __ATOMIC_RELAXED);
  }
  return fn(id, ts);
}

static void shift_timespec(struct timespec *ts) {
  int64_t shift = shift_at(ts);
  if (shift == 0) return;
  ts->tv_sec += shift / 1000000000LL;
  ts->tv_nsec += shift % 1000000000LL;
  if (ts->tv_nsec < 0) {
    ts->tv_nsec += 1000000000LL;
    ts->tv_sec -= 1;
  } else if (ts->tv_nsec >= 1000000000LL) {
    ts->tv_nsec -= 1000000000LL;
    ts->tv_sec += 1;
  }
}

int clock_gettime(clockid_t id, struct timespec *ts) {
  int r = real_now(id, ts);
  if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) shift_timespec(ts);
  return r;
}

#pragma GCC diagnostic ignored "-Wnonnull-compare"
int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  struct timespec ts;
  int r = real_now(CLOCK_REALTIME, &ts);
  if (r != 0) return r;
  shift_timespec(&ts);
  if (tv) {
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  if (tz) {
    struct timezone *z = tz;
    z->tz_minuteswest = 0;
    z->tz_dsttime = 0;
  }
  return 0;
}

time_t time(time_t *t) {
  struct timespec ts;
  if (real_now(CLOCK_REALTIME, &ts) != 0) return (time_t)-1;
  shift_timespec(&ts);
  if (t) *t = ts.tv_sec;
  return ts.tv_sec;
}
