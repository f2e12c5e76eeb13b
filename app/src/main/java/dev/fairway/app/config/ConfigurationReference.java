package dev.fairway.app.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Generates the configuration reference, {@code docs/configuration.md}, from the key definitions in
 * {@link ConfigKeys}: the one place where every application key's name, environment variable, type,
 * default, allowed values and description are written for users. A test compares the file with
 * {@link #markdown()} and fails with the command that regenerates it, so that the two cannot drift.
 *
 * <p>Keys of plugins ({@value ConfigKeys#PROVIDER_PREFIX}{@code <name>.*},
 * {@value ConfigKeys#TRANSPORT_PREFIX}{@code <name>.*}) are read by each plugin's own code, not declared
 * here; the reference links to the plugin READMEs that document them.
 */
public final class ConfigurationReference {

    /** Where the reference lives, relative to the repository root. */
    public static final String FILE = "docs/configuration.md";

    /**
     * The archive's {@code conf/fairway.properties}, relative to the repository root: every key commented out
     * with its default, generated beside the reference.
     */
    public static final String PROPERTIES_FILE = "distribution/src/dist/conf/fairway.properties";

    /**
     * The one command that regenerates {@link #FILE} from the repository root: the reference's test, told
     * to write the file instead of comparing it.
     */
    public static final String REGENERATE_COMMAND = "mvn -B -ntp -q -pl app -am verify"
            + " -Dtest=ConfigurationReferenceTest -Dsurefire.failIfNoSpecifiedTests=false -DwriteConfigurationReference";

    /** Section headings by a key's second name part ({@code fairway.<group>...}), in table order. */
    private static final Map<String, String> GROUP_TITLES = Map.ofEntries(
            Map.entry("provider", "Plugins in use"),
            Map.entry("transport", "Plugins in use"),
            Map.entry("plugins", "Plugins in use"),
            Map.entry("limiter", "Rate limiter"),
            Map.entry("concurrency", "Concurrency limiter"),
            Map.entry("queue", "Scheduler"),
            Map.entry("session", "Sessions"),
            Map.entry("shutdown", "Shutdown"),
            Map.entry("readiness", "Readiness"),
            Map.entry("log", "Logging"),
            Map.entry("http", "Outgoing HTTP"));

    /** The plugins shipped with Fairway, whose READMEs document their own keys. */
    private static final List<PluginDoc> PLUGIN_DOCS = List.of(
            new PluginDoc("fairway.provider.openai.*", "provider-openai"),
            new PluginDoc("fairway.provider.anthropic.*", "provider-anthropic"),
            new PluginDoc("fairway.provider.fake.*", "provider-fake"),
            new PluginDoc("fairway.transport.websocket.*", "transport-websocket"));

    /** A plugin's keys and the module directory whose README's "Configuration" section lists them. */
    private record PluginDoc(String keys, String module) {
    }

    private ConfigurationReference() {
    }

    /**
     * The whole reference, as {@link #FILE} must hold it.
     *
     * @return Markdown, ending with a newline
     */
    public static String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("<!-- Generated from dev.fairway.app.config.ConfigKeys by ConfigurationReference: do not edit by hand.\n")
                .append("     Regenerate from the repository root with:\n")
                .append("     ").append(REGENERATE_COMMAND).append(" -->\n\n");
        out.append(INTRODUCTION);
        out.append("\n## Application keys\n");
        String title = null;
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            String keyTitle = titleOf(key);
            if (!keyTitle.equals(title)) {
                title = keyTitle;
                out.append("\n### ").append(title).append("\n\n")
                        .append(TABLE_HEADER);
            }
            out.append(row(key));
        }
        out.append(PLUGIN_KEYS);
        for (PluginDoc plugin : PLUGIN_DOCS) {
            out.append("- `").append(plugin.keys()).append("`: [").append(plugin.module()).append("/README.md](../")
                    .append(plugin.module()).append("/README.md#configuration)\n");
        }
        out.append(EXAMPLE);
        return out.toString();
    }

    /**
     * Writes the reference and the archive's properties file.
     *
     * @param repositoryRoot the repository's root directory
     * @return the files written
     * @throws IOException when one cannot be written
     */
    public static List<Path> write(Path repositoryRoot) throws IOException {
        Path file = repositoryRoot.resolve(FILE);
        Files.createDirectories(file.getParent());
        Files.writeString(file, markdown(), StandardCharsets.UTF_8);
        Path properties = repositoryRoot.resolve(PROPERTIES_FILE);
        Files.createDirectories(properties.getParent());
        Files.writeString(properties, properties(), StandardCharsets.UTF_8);
        return List.of(file, properties);
    }

    /**
     * The archive's {@code conf/fairway.properties}, as {@link #PROPERTIES_FILE} must hold it: every key with its
     * description, allowed values and default, commented out, under the reference's headings.
     *
     * @return the file's text, ending with a newline
     */
    public static String properties() {
        StringBuilder out = new StringBuilder(PROPERTIES_INTRODUCTION);
        String title = null;
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            String keyTitle = titleOf(key);
            if (!keyTitle.equals(title)) {
                title = keyTitle;
                out.append("\n## ").append(title).append("\n");
            }
            out.append("\n");
            comment(out, plain(key.meaning()));
            comment(out, "Allowed: " + plain(key.allowed()) + ". Environment: " + key.envVar() + ".");
            out.append("#").append(key.name()).append(" = ").append(key.defaultText()).append("\n");
        }
        out.append(PROPERTIES_PLUGIN_KEYS);
        return out.toString();
    }

    /** Without Markdown's code marks, which a properties file shows as they are. */
    private static String plain(String text) {
        return text.replace("`", "");
    }

    /** Appends text as comment lines of at most 110 characters. */
    private static void comment(StringBuilder out, String text) {
        StringBuilder line = new StringBuilder("#");
        for (String word : text.split(" ")) {
            if (line.length() > 1 && line.length() + 1 + word.length() > 110) {
                out.append(line).append("\n");
                line = new StringBuilder("#");
            }
            line.append(' ').append(word);
        }
        out.append(line).append("\n");
    }

    /** The header of a table of keys, two lines. */
    static final String TABLE_HEADER = "| key | environment variable | type | default | allowed | description |\n"
            + "|---|---|---|---|---|---|\n";

    /**
     * One key's row of a table.
     *
     * @param key the key
     * @return the row, ending with a newline
     */
    static String row(ConfigKey<?> key) {
        return "| `" + key.name() + "` | `" + key.envVar() + "` | " + key.type() + " | `" + key.defaultText()
                + "` | " + escape(key.allowed()) + " | " + escape(key.meaning()) + " |\n";
    }

    /** The heading a key is listed under: its group's title, or the group's own name for a new group. */
    private static String titleOf(ConfigKey<?> key) {
        String[] parts = key.name().split("\\.");
        String group = parts.length > 1 ? parts[1] : key.name();
        return GROUP_TITLES.getOrDefault(group, group);
    }

    /** A table cell may not hold a bare {@code |}. */
    private static String escape(String cell) {
        return cell.replace("|", "\\|");
    }

    private static final String INTRODUCTION = """
            # Configuration reference

            Every key Fairway's application reads, with its environment variable, type, default, allowed values
            and meaning. `fairway config` shows each key's effective value and where it came from;
            `fairway config --markdown` prints the tables below.

            ## Where values come from

            Precedence, highest first:

            1. `-D key=value` on the command line (and `translate --provider`);
            2. Java system properties (`JAVA_OPTS=-Dfairway.limiter.rpm=3000`);
            3. environment variables: the key upper-cased with `.` and `-` turned into `_`
               (`fairway.queue.max-concurrent` is `FAIRWAY_QUEUE_MAX_CONCURRENT`); blank ones count as unset;
            4. the `--config` properties file, or else the file that the `FAIRWAY_CONFIG` environment variable
               names (the archive's `bin/fairway` points it at `conf/fairway.properties`);
            5. the built-in defaults.

            Every key is validated at start-up, whichever command runs: a value of the wrong type or out of range
            stops start-up with one line naming the key, the value and what is allowed (exit code 2), for example

            ```
            fairway: %s = '0': expected an integer from %s to %s
            ```

            A `fairway.*` key that is not listed here, set in the file, the system properties or `-D`, is refused
            with the nearest known key as a hint (typo protection); keys outside `fairway.` and `otel.` are refused
            in the file. Values may refer to other keys (`${fairway.limiter.rpm}`) or to the environment
            (`${env:OPENAI_API_KEY}`).

            Durations are written `250ms`, `2s`, `5m`, `1h`, `0` or ISO-8601 (`PT0.25S`); integers may use `_`
            (`1_800_000`).

            OpenTelemetry is configured from the standard `OTEL_*` variables and `otel.*` properties, not from
            `fairway.*` keys: see [app/README.md](../app/README.md#opentelemetry).
            """.formatted(ConfigKeys.QUEUE_MAX_CONCURRENT.name(),
                    ConfigKeys.QUEUE_MAX_CONCURRENT.range().orElseThrow().min(),
                    ConfigKeys.QUEUE_MAX_CONCURRENT.range().orElseThrow().max());

    private static final String PROPERTIES_INTRODUCTION = """
            # Fairway's configuration file. bin/fairway points the app at it (FAIRWAY_CONFIG; --config FILE wins).
            # Every application key is below with its default, commented out: uncomment and change what you need.
            # Precedence, highest first: -D KEY=VALUE on the command line, Java system properties (JAVA_OPTS), the
            # environment (conf/fairway.env under systemd; fairway.limiter.rpm is FAIRWAY_LIMITER_RPM), this file,
            # the defaults. Values may refer to the environment: ${env:OPENAI_API_KEY}. Durations: 250ms, 2s, 5m.
            # A fairway.* key that Fairway does not know stops start-up with one line: typos do not go unnoticed.
            # Reference: docs/configuration.md in Fairway's repository, or `bin/fairway config --markdown`.
            # (Generated from ConfigKeys with the reference; in the repository, regenerate rather than edit it.)
            """;

    private static final String PROPERTIES_PLUGIN_KEYS = """

            ## Plugin keys

            # Each plugin reads its own keys under fairway.provider.<name>.*, fairway.transport.<name>.* and
            # fairway.session.<store>.*, documented in its README; for example:
            #fairway.provider.openai.model = gpt-4o-mini
            #fairway.provider.openai.api-key = ${env:OPENAI_API_KEY}
            #fairway.transport.websocket.host = 127.0.0.1
            #fairway.transport.websocket.port = 8080

            ## OpenTelemetry

            # otel.* keys configure OpenTelemetry below its OTEL_* variables, for example:
            #otel.service.name = fairway
            """;

    private static final String PLUGIN_KEYS = """

            ## Plugin keys

            Each plugin reads and documents its own keys under `fairway.provider.<name>.*` or
            `fairway.transport.<name>.*`; they are not declared beside the keys above, so they are not listed
            here. They are looked up through the same layers on demand: `FAIRWAY_PROVIDER_OPENAI_API_KEY` sets
            `fairway.provider.openai.api-key`. A plugin's `PluginConfig.keys()` lists the keys set in the file,
            the system properties or `-D`, but not those set only in the environment, since `FAIRWAY_A_B` does
            not say whether it means `a.b` or `a-b`.

            """;

    private static final String EXAMPLE = """

            ## Example file

            ```properties
            fairway.provider = openai
            fairway.provider.openai.model = gpt-4o-mini
            fairway.provider.openai.api-key = ${env:OPENAI_API_KEY}
            fairway.limiter.rpm = 450
            fairway.queue.max-concurrent = 8
            otel.service.name = fairway-eu
            ```

            ## Changing this file

            This file is generated from the key definitions in
            [ConfigKeys.java](../app/src/main/java/dev/fairway/app/config/ConfigKeys.java). To add or change a key,
            edit its definition there (name, type, default, range, description), then regenerate from the
            repository root:

            ```sh
            %s
            ```

            `ConfigurationReferenceTest` fails while this file differs from what the definitions produce.
            """.formatted(REGENERATE_COMMAND);
}
