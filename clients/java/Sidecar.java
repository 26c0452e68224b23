// The Java client's sidecar: the official kafka-clients library driven over a line protocol, one
// JSON object per line. Run as a single-file program: java -cp <kafka-clients jars> Sidecar.java
//
//   request  {"id":7,"op":"send","p":1,"topic":"t0","partition":0,"value":"42"}
//   response {"id":7,"ok":true,"r":{"offset":17}}
//            {"id":7,"ok":false,"error":"NotLeaderOrFollowerException","message":"..."}
//
// Producers ("p") and consumers ("c") are handles made by producer.new / consumer.new. Producer
// calls run on a shared pool (KafkaProducer is thread-safe: several sends in flight on one
// producer); each consumer has a thread of its own (KafkaConsumer is not), which runs its calls in
// order. Errors are reported by the simple class name of the root cause, unwrapped from
// ExecutionException; the TypeScript adapter (client.ts) holds the table of which are definite.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class Sidecar {
  static final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
  static final Map<Long, KafkaProducer<String, String>> producers = new ConcurrentHashMap<>();
  static final Map<Long, Consumer> consumers = new ConcurrentHashMap<>();
  static final AtomicLong ids = new AtomicLong();
  static final ExecutorService pool = Executors.newCachedThreadPool(r -> { Thread t = new Thread(r); t.setDaemon(true); return t; });

  static final class Consumer {
    final KafkaConsumer<String, String> kc;
    final ExecutorService thread = Executors.newSingleThreadExecutor(r -> { Thread t = new Thread(r); t.setDaemon(true); return t; });
    final List<List<Object>> rebalances = Collections.synchronizedList(new ArrayList<>());
    Consumer(Properties p) { kc = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer()); }
  }

  public static void main(String[] args) throws Exception {
    System.setOut(System.err); // the library's own output must not mix with the protocol
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    reply(Map.of("id", 0, "ok", true, "r", Map.of("version", org.apache.kafka.common.utils.AppInfoParser.getVersion())));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      Map<String, Object> req = Json.object(line);
      Object c = req.get("c");
      String op = String.valueOf(req.get("op"));
      // A consumer's own calls run on its thread, in order; everything else on the pool.
      Executor where = op.startsWith("consumer.") && c != null && consumers.containsKey(num(c)) ? consumers.get(num(c)).thread : pool;
      where.execute(() -> handle(req));
    }
    System.exit(0); // stdin closed: the harness is gone
  }

  static void handle(Map<String, Object> req) {
    Object id = req.get("id");
    try {
      reply(Map.of("id", id, "ok", true, "r", call((String) req.get("op"), req)));
    } catch (Throwable e) {
      Throwable root = e;
      while ((root instanceof ExecutionException || root instanceof CompletionException) && root.getCause() != null) root = root.getCause();
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("id", id);
      r.put("ok", false);
      r.put("error", root.getClass().getSimpleName());
      r.put("message", String.valueOf(root.getMessage()));
      if (root.getCause() != null) r.put("cause", root.getCause().getClass().getSimpleName());
      reply(r);
    }
  }

  static synchronized void reply(Map<String, ?> m) {
    out.println(Json.write(m));
    out.flush();
  }

  static long num(Object o) { return ((Number) o).longValue(); }
  static KafkaProducer<String, String> producer(Map<String, Object> r) { return Objects.requireNonNull(producers.get(num(r.get("p"))), "no such producer"); }
  static Consumer consumer(Map<String, Object> r) { return Objects.requireNonNull(consumers.get(num(r.get("c"))), "no such consumer"); }

  static Properties props(Object conf) {
    Properties p = new Properties();
    ((Map<?, ?>) conf).forEach((k, v) -> p.put(k, String.valueOf(v)));
    return p;
  }

  @SuppressWarnings("unchecked")
  static List<TopicPartition> partitions(Object keys) {
    List<TopicPartition> out = new ArrayList<>();
    for (Object k : (List<Object>) keys) { List<Object> tp = (List<Object>) k; out.add(new TopicPartition((String) tp.get(0), (int) num(tp.get(1)))); }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<TopicPartition, OffsetAndMetadata> offsets(Object list) {
    Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
    for (Object k : (List<Object>) list) { List<Object> t = (List<Object>) k; out.put(new TopicPartition((String) t.get(0), (int) num(t.get(1))), new OffsetAndMetadata(num(t.get(2)))); }
    return out;
  }

  static Object call(String op, Map<String, Object> r) throws Exception {
    switch (op) {
      case "producer.new": {
        KafkaProducer<String, String> p = new KafkaProducer<>(props(r.get("conf")), new StringSerializer(), new StringSerializer());
        if (Boolean.TRUE.equals(r.get("transactional"))) {
          try { p.initTransactions(); } catch (Exception e) { p.close(Duration.ZERO); throw e; }
        }
        long id = ids.incrementAndGet();
        producers.put(id, p);
        return Map.of("p", id);
      }
      case "producer.close": {
        KafkaProducer<String, String> p = producers.remove(num(r.get("p")));
        if (p != null) p.close(Duration.ZERO); // a crash: nothing is flushed
        return Map.of();
      }
      case "send": {
        RecordMetadata m = producer(r).send(new ProducerRecord<>((String) r.get("topic"), (int) num(r.get("partition")), null, (String) r.get("value"))).get();
        return Map.of("offset", m.hasOffset() ? m.offset() : -1);
      }
      case "txn.begin": producer(r).beginTransaction(); return Map.of();
      case "txn.commit": producer(r).commitTransaction(); return Map.of();
      case "txn.abort": producer(r).abortTransaction(); return Map.of();
      case "txn.offsets": {
        Consumer c = consumer(r);
        ConsumerGroupMetadata g = c.thread.submit(() -> c.kc.groupMetadata()).get();
        producer(r).sendOffsetsToTransaction(offsets(r.get("offsets")), g);
        return Map.of();
      }
      case "consumer.new": {
        Consumer c = new Consumer(props(r.get("conf")));
        long id = ids.incrementAndGet();
        consumers.put(id, c);
        return Map.of("c", id);
      }
      case "consumer.subscribe": {
        Consumer c = consumer(r);
        @SuppressWarnings("unchecked") List<String> topics = (List<String>) r.get("topics");
        c.kc.subscribe(topics, new ConsumerRebalanceListener() {
          public void onPartitionsRevoked(Collection<TopicPartition> ps) {}
          public void onPartitionsAssigned(Collection<TopicPartition> ps) {
            List<Object> keys = new ArrayList<>();
            for (TopicPartition tp : ps) keys.add(tp.topic() + "/" + tp.partition());
            c.rebalances.add(keys);
          }
        });
        return Map.of();
      }
      case "consumer.assign": {
        Consumer c = consumer(r);
        List<TopicPartition> ps = partitions(r.get("keys"));
        c.kc.assign(ps);
        if (Boolean.TRUE.equals(r.get("seekToBeginning"))) for (TopicPartition tp : ps) c.kc.seek(tp, 0);
        return Map.of();
      }
      case "consumer.poll": {
        Consumer c = consumer(r);
        ConsumerRecords<String, String> recs = c.kc.poll(Duration.ofMillis(num(r.get("ms"))));
        List<Object> rows = new ArrayList<>();
        for (ConsumerRecord<String, String> rec : recs) rows.add(List.of(rec.topic(), rec.partition(), rec.offset(), String.valueOf(rec.value())));
        List<Object> rebalances;
        synchronized (c.rebalances) { rebalances = new ArrayList<>(c.rebalances); c.rebalances.clear(); }
        return Map.of("records", rows, "rebalances", rebalances);
      }
      case "consumer.seek": {
        Consumer c = consumer(r);
        offsets(r.get("positions")).forEach((tp, o) -> c.kc.seek(tp, o.offset()));
        return Map.of();
      }
      case "consumer.commit": consumer(r).kc.commitSync(offsets(r.get("offsets"))); return Map.of();
      case "consumer.close": {
        Consumer c = consumers.remove(num(r.get("c")));
        if (c != null) { try { c.kc.close(Duration.ofSeconds(3)); } finally { c.thread.shutdown(); } }
        return Map.of();
      }
      default: throw new IllegalArgumentException("unknown op " + op);
    }
  }

  /** Just enough JSON for the protocol: objects, arrays, strings, numbers, booleans, null. */
  static final class Json {
    final String s; int i;
    Json(String s) { this.s = s; }
    @SuppressWarnings("unchecked") static Map<String, Object> object(String s) { return (Map<String, Object>) new Json(s).value(); }
    void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }
    Object value() {
      ws();
      char ch = s.charAt(i);
      if (ch == '{') { i++; Map<String, Object> m = new LinkedHashMap<>(); ws(); if (s.charAt(i) == '}') { i++; return m; }
        while (true) { ws(); String k = string(); ws(); i++; m.put(k, value()); ws(); if (s.charAt(i++) == '}') return m; } }
      if (ch == '[') { i++; List<Object> l = new ArrayList<>(); ws(); if (s.charAt(i) == ']') { i++; return l; }
        while (true) { l.add(value()); ws(); if (s.charAt(i++) == ']') return l; } }
      if (ch == '"') return string();
      if (s.startsWith("true", i)) { i += 4; return true; }
      if (s.startsWith("false", i)) { i += 5; return false; }
      if (s.startsWith("null", i)) { i += 4; return null; }
      int j = i; while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
      String n = s.substring(j, i);
      return n.contains(".") || n.contains("e") || n.contains("E") ? (Object) Double.parseDouble(n) : (Object) Long.parseLong(n);
    }
    String string() {
      StringBuilder b = new StringBuilder(); i++;
      while (true) { char ch = s.charAt(i++);
        if (ch == '"') return b.toString();
        if (ch == '\\') { char e = s.charAt(i++);
          switch (e) { case 'n': b.append('\n'); break; case 't': b.append('\t'); break; case 'r': b.append('\r'); break; case 'b': b.append('\b'); break; case 'f': b.append('\f'); break;
            case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break; default: b.append(e); } }
        else b.append(ch); }
    }
    static String write(Object o) {
      if (o == null) return "null";
      if (o instanceof String) { StringBuilder b = new StringBuilder("\"");
        for (char ch : ((String) o).toCharArray()) { if (ch == '"' || ch == '\\') b.append('\\').append(ch); else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch)); else b.append(ch); }
        return b.append('"').toString(); }
      if (o instanceof Map) { StringJoiner j = new StringJoiner(",", "{", "}"); ((Map<?, ?>) o).forEach((k, v) -> j.add(write(String.valueOf(k)) + ":" + write(v))); return j.toString(); }
      if (o instanceof Collection) { StringJoiner j = new StringJoiner(",", "[", "]"); for (Object v : (Collection<?>) o) j.add(write(v)); return j.toString(); }
      return String.valueOf(o);
    }
  }
}
