package io.fallback.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The kit tested on itself: implementations known to be right pass every contract test, and each
 * implementation known to be wrong fails exactly the tests that pin its fault.
 */
class ContractKitTest {

  private static Events run(Class<?> contractTest) {
    return EngineTestKit.engine("junit-jupiter")
        .configurationParameter(KitSubject.PARAMETER, "true")
        .selectors(selectClass(contractTest))
        .execute()
        .testEvents();
  }

  private static Set<String> failed(Class<?> contractTest) {
    Events events = run(contractTest);
    assertThat(events.started().count())
        .as("tests run in %s", contractTest.getSimpleName())
        .isGreaterThan(0);
    return events.failed().stream()
        .map(e -> e.getTestDescriptor().getDisplayName().replace("()", ""))
        .collect(Collectors.toSet());
  }

  @Test
  void rightImplementations_passEveryContractTest() {
    for (Class<?> right :
        List.of(
            Implementations.UpsertingSink.class,
            Implementations.InMemorySource.class,
            Implementations.HonestLatency.class,
            Implementations.BoundedHttpProbe.class,
            Implementations.StrictProcessor.class)) {
      assertThat(failed(right)).as("failed tests of %s", right.getSimpleName()).isEmpty();
    }
  }

  @Test
  void sinkAcknowledgingBeforeWriting_failsEveryWriteTest() {
    assertThat(failed(Implementations.AckBeforeWriteSink.class))
        .containsExactlyInAnyOrder(
            "writeReturns_everyOutputIsStored",
            "sameOutputsWrittenTwice_oneCopyOfEach",
            "destinationBroken_writeThrows");
  }

  @Test
  void sinkAppendingEveryWrite_failsTheRewriteTest() {
    assertThat(failed(Implementations.AppendingSink.class))
        .containsExactly("sameOutputsWrittenTwice_oneCopyOfEach");
  }

  @Test
  void sinkSwallowingFailures_failsTheBrokenDestinationTest() {
    assertThat(failed(Implementations.SwallowingSink.class))
        .containsExactly("destinationBroken_writeThrows");
  }

  @Test
  void sourceCommittingAhead_failsTheRestartTest() {
    assertThat(failed(Implementations.CommitsAheadSource.class))
        .containsExactly("committedThenRestarted_resumesAtTheCommittedOffset");
  }

  @Test
  void sourceCommittingOnClose_failsTheCloseAndRestartTests() {
    assertThat(failed(Implementations.CommitsOnCloseSource.class))
        .containsExactlyInAnyOrder(
            "closedWithoutCommit_restartReadsEverythingAgain",
            "committedThenRestarted_resumesAtTheCommittedOffset");
  }

  @Test
  void sourceDroppingRecordsOnHold_failsTheHoldTest() {
    assertThat(failed(Implementations.HoldDropsRecordsSource.class))
        .containsExactly("held_keepsPartitionsAndLosesNothing");
  }

  @Test
  void latencyZeroWhenUnknown_failsTheNoEvidenceTests() {
    assertThat(failed(Implementations.ZeroWhenUnknownLatency.class))
        .containsExactlyInAnyOrder(
            "nothingToMeasure_noEvidence", "unreachable_noEvidenceWithinBound");
  }

  @Test
  void latencyWithoutBound_failsTheUnreachableTest() {
    assertThat(failed(Implementations.UnboundedLatency.class))
        .containsExactly("unreachable_noEvidenceWithinBound");
  }

  @Test
  void probeWithoutTimeout_failsTheSilentPrimaryTest() {
    assertThat(failed(Implementations.UnboundedHttpProbe.class))
        .containsExactly("silent_unhealthyWithinBound");
  }

  @Test
  void probeAssumingHealthy_failsBothUnhealthyTests() {
    assertThat(failed(Implementations.OptimisticProbe.class))
        .containsExactlyInAnyOrder(
            "unreachable_unhealthyWithReason", "silent_unhealthyWithinBound");
  }

  @Test
  void processorInventingOutputs_failsTheFailingBackendTest() {
    assertThat(failed(Implementations.DefaultingProcessor.class))
        .containsExactly("backendFails_throwsInsteadOfInventingOutputs");
  }

  @Test
  void brokenSubjectRunOutsideTheKitTest_disabledNotFailed() {
    Events events =
        EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(Implementations.AckBeforeWriteSink.class))
            .execute()
            .containerEvents();

    assertThat(events.skipped().count()).isEqualTo(1);
    assertThat(events.failed().count()).isZero();
  }
}
