package io.fallback.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.fallback.core.Checkpoint;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommitMetadataTest {

  @Test
  void checkpoint_roundTrips() {
    for (Checkpoint c :
        new Checkpoint[] {
          new Checkpoint(0, Checkpoint.NONE, 0),
          new Checkpoint(17, 1_764_086_405_000L, 1_234),
          new Checkpoint(Long.MAX_VALUE - 1, Long.MAX_VALUE, Long.MAX_VALUE),
          new Checkpoint(5, -5_000, 5),
          new Checkpoint(5, Long.MIN_VALUE + 1, 9)
        }) {
      OffsetAndMetadata oam = CommitMetadata.toOffsetAndMetadata(c);

      assertThat(CommitMetadata.parse(oam)).contains(c);
      assertThat(oam.metadata().length()).isLessThan(64);
    }
  }

  @Test
  void format_isDocumentedLayout() {
    assertThat(CommitMetadata.format(new Checkpoint(10, 1_764_086_405_000L, 12)))
        .isEqualTo("fb1;e=1764086405000;r=12");
    assertThat(CommitMetadata.format(new Checkpoint(10, Checkpoint.NONE, 10)))
        .isEqualTo("fb1;e=-;r=10");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "flink",
        "fb2;e=1;r=10",
        "fb1;e=1",
        "fb1;e=x;r=10",
        "fb1;e=1;r=",
        "fb1;r=10;e=1",
        "fb1;e=1;r=5",
        "fb1;e=1;r=10;extra"
      })
  void foreignOrMalformedMetadata_restoresOffsetOnly(String metadata) {
    assertThat(CommitMetadata.parse(10, metadata))
        .isEqualTo(new Checkpoint(10, Checkpoint.NONE, 10));
  }

  @Test
  void nothingCommitted_isEmpty() {
    assertThat(CommitMetadata.parse(null)).isEmpty();
    assertThat(CommitMetadata.parse(new OffsetAndMetadata(3)))
        .contains(new Checkpoint(3, Checkpoint.NONE, 3));
  }
}
