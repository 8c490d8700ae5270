package io.fallback.contract;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a subject of the kit's own tests (an implementation known to be right or wrong): it runs
 * only inside {@link ContractKitTest}'s EngineTestKit, which sets {@link #PARAMETER}. Run by
 * anything else (Surefire with {@code -Dtest=...}, which then no longer skips nested classes; an
 * IDE), it is disabled instead of failing.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(KitSubject.OnlyInKitTest.class)
@interface KitSubject {

  /** The configuration parameter that enables kit subjects. */
  String PARAMETER = "io.fallback.contract.kit-subjects";

  /** Disables the class unless {@link #PARAMETER} is {@code true}. */
  final class OnlyInKitTest implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return context.getConfigurationParameter(PARAMETER, Boolean::parseBoolean).orElse(false)
          ? ConditionEvaluationResult.enabled("run by ContractKitTest")
          : ConditionEvaluationResult.disabled("a contract-kit subject: run by ContractKitTest");
    }
  }
}
