package io.fallback.examples;

/**
 * The demo's stress-prediction model: a small deterministic rule on a window's mean heart rate and
 * electrodermal activity, in place of the seed's trained model, so that the drill can predict every
 * expected point.
 *
 * <table>
 *   <caption>stress level from the window means</caption>
 *   <tr><th>level</th><th>when</th></tr>
 *   <tr><td>2 (high)</td><td>{@code HR >= 105}, or {@code HR >= 95} and {@code EDA >= 3.0}</td></tr>
 *   <tr><td>1 (medium)</td><td>otherwise, {@code HR >= 85} or {@code EDA >= 2.0}</td></tr>
 *   <tr><td>0 (low)</td><td>otherwise</td></tr>
 * </table>
 *
 * <p>Comparisons are on {@code float} values, which is what the model service parses from the query
 * string (both pipelines send {@link Float#toString(float)} of the means, which reads back
 * exactly). X, Y, Z and TEMP are accepted and ignored.
 *
 * <p>This class is thread-safe (stateless).
 */
public final class StressModel {

  private StressModel() {}

  /**
   * Predicts the stress level of a window.
   *
   * @param hr mean heart rate (bpm)
   * @param eda mean electrodermal activity (µS)
   * @return 0, 1 or 2
   */
  public static int predict(float hr, float eda) {
    if (hr >= 105f || (hr >= 95f && eda >= 3.0f)) {
      return 2;
    }
    if (hr >= 85f || eda >= 2.0f) {
      return 1;
    }
    return 0;
  }
}
