package io.fallback.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Maps the UTF-8 bytes of a key to a shared {@code String}, so the hot path decodes each distinct
 * key once instead of once per record (a topic has few keys: 17 nurses). An open-addressing table
 * of fixed capacity; once it is three-quarters full, further keys are simply decoded each time. Not
 * thread-safe.
 */
final class KeyCache {

  private static final int CAPACITY = 1024;
  private static final int MAX_KEY_BYTES = 64;

  private final byte[][] bytes = new byte[CAPACITY][];
  private final String[] strings = new String[CAPACITY];
  private final int[] hashes = new int[CAPACITY];
  private int size;

  /** The string of {@code buf[0..len)}, decoded as UTF-8. */
  String get(byte[] buf, int len) {
    return get(buf, 0, len);
  }

  /** The string of {@code buf[off..off+len)}, decoded as UTF-8. */
  String get(byte[] buf, int off, int len) {
    if (len > MAX_KEY_BYTES) {
      return new String(buf, off, len, StandardCharsets.UTF_8);
    }
    int h = 1;
    for (int i = off; i < off + len; i++) {
      h = 31 * h + buf[i];
    }
    int mask = CAPACITY - 1;
    int slot = mix(h) & mask;
    while (true) {
      byte[] candidate = bytes[slot];
      if (candidate == null) {
        String s = new String(buf, off, len, StandardCharsets.UTF_8);
        if (size < CAPACITY * 3 / 4) {
          bytes[slot] = Arrays.copyOfRange(buf, off, off + len);
          strings[slot] = s;
          hashes[slot] = h;
          size++;
        }
        return s;
      }
      if (hashes[slot] == h && Arrays.equals(candidate, 0, candidate.length, buf, off, off + len)) {
        return strings[slot];
      }
      slot = (slot + 1) & mask;
    }
  }

  private static int mix(int h) {
    return h ^ (h >>> 16);
  }
}
