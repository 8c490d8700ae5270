package io.fallback.launcher.config;

import java.util.stream.Collectors;

/**
 * Renders the definition table ({@link Keys#ALL}) as the Markdown table of the README's
 * configuration reference. A test keeps the README equal to this output, so the reference cannot
 * drift from the code.
 */
public final class ConfigReference {

  private ConfigReference() {}

  /**
   * The reference table.
   *
   * @return Markdown
   */
  public static String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("| key | type | default | meaning |\n");
    sb.append("|---|---|---|---|\n");
    for (Key k : Keys.ALL) {
      String type =
          k.type() == ConfigDef.Type.ENUM
              ? k.allowed().stream().map(a -> "`" + a + "`").collect(Collectors.joining(" \\| "))
              : k.type().shown();
      sb.append("| `")
          .append(k.path())
          .append("` | ")
          .append(type)
          .append(" | ")
          .append(k.defaultText().startsWith("(") ? k.defaultText() : "`" + k.defaultText() + "`")
          .append(" | ")
          .append(k.description().replace("|", "\\|"))
          .append(" |\n");
    }
    return sb.toString();
  }

  /**
   * Prints the table.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    System.out.print(markdown());
  }
}
