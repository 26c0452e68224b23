// What one read of the clock costs a JVM: System.currentTimeMillis (the wall clock, which kc-clock
// moves), System.nanoTime (the monotonic clock, which it leaves alone) and Instant.now, in ns per
// call, each the best of 5 rounds of 5 million calls after a warm-up. Prints one JSON line.
import java.time.Instant;

public class ClockBench {
  static long sink;

  interface Call { long run(); }

  static double nsPerCall(Call c) {
    for (int i = 0; i < 2_000_000; i++) sink += c.run();
    double best = Double.MAX_VALUE;
    for (int r = 0; r < 5; r++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < 5_000_000; i++) sink += c.run();
      best = Math.min(best, (System.nanoTime() - t0) / 5_000_000.0);
    }
    return best;
  }

  public static void main(String[] args) {
    double millis = nsPerCall(System::currentTimeMillis);
    double nanos = nsPerCall(System::nanoTime);
    double instant = nsPerCall(() -> Instant.now().getNano());
    System.out.printf("{\"currentTimeMillis\":%.1f,\"nanoTime\":%.1f,\"instantNow\":%.1f,\"wallClock\":%d,\"sink\":%d}%n", millis, nanos, instant, System.currentTimeMillis(), sink & 1);
  }
}
