package dev.fairway.app.load;

import org.HdrHistogram.AbstractHistogram;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A condition over a scenario's report, checked after the run: {@code fairway load --assert 'partial.p95.added <= 50ms'}.
 * It is how a script or CI states what a good run is, beyond the lost finals and failed sessions that always fail one.
 *
 * @param quantity what is measured, one of {@link #QUANTITIES}' names, e.g. {@code partial.p95.added}
 * @param operator {@code ==}, {@code !=}, {@code <=}, {@code <}, {@code >=} or {@code >}
 * @param threshold the bound, in {@code unit}
 * @param unit {@code ms} or {@code s} for a time, {@code %} or nothing for a fraction, nothing for a count or an index
 */
public record LoadAssertion(String quantity, String operator, BigDecimal threshold, String unit) {

    /** How a quantity is written and shown. */
    private enum Kind {
        /** Whole things counted: no unit. */
        COUNT,
        /** Milliseconds; the bound in ms or s. */
        TIME,
        /** A number without a unit, such as Jain's index. */
        INDEX,
        /** A part of a whole: the bound as a fraction (0.95) or a percentage (95%). */
        FRACTION
    }

    private record Quantity(String name, Kind kind, ToDoubleFunction<LoadReport> measure, String meaning) {
    }

    /** Every quantity {@code --assert} knows, by name, in the order {@code --help} and the errors list them. */
    private static final Map<String, Quantity> QUANTITIES = quantities();

    private static Map<String, Quantity> quantities() {
        Map<String, Quantity> all = new LinkedHashMap<>();
        add(all, "finals.lost", Kind.COUNT, r -> r.total(SessionStats.Snapshot::finalsLost),
                "accepted finals never answered (LOST)");
        add(all, "finals.failed", Kind.COUNT, r -> r.total(SessionStats.Snapshot::finalsFailed),
                "accepted finals reported failed");
        add(all, "finals.unconfirmed", Kind.COUNT, r -> r.total(row -> row.reconnection().finalsUnconfirmed()),
                "--reconnect: finals never accepted nor answered");
        String[] percentiles = {"50", "95", "99"};
        for (String p : percentiles) {
            add(all, "partial.p" + p, Kind.TIME, r -> ms(r.allPartials(), p), "client-side partial latency");
        }
        for (String p : percentiles) {
            add(all, "final.p" + p, Kind.TIME, r -> ms(r.allFinals(), p), "client-side final latency");
        }
        for (String p : percentiles) {
            add(all, "provider.p" + p, Kind.TIME, r -> ms(r.allProviderTimes(), p),
                    "provider time per call (server-side)");
        }
        for (String p : percentiles) {
            add(all, "partial.p" + p + ".added", Kind.TIME,
                    r -> ms(r.allPartials(), p) - ms(r.allProviderTimes(), p), "partial.p" + p + " - provider.p" + p);
        }
        for (String p : percentiles) {
            add(all, "final.p" + p + ".added", Kind.TIME,
                    r -> ms(r.allFinals(), p) - ms(r.allProviderTimes(), p), "final.p" + p + " - provider.p" + p);
        }
        add(all, "jain", Kind.INDEX, LoadReport::jainIndex, "Jain's index of translations per served session");
        add(all, "partials.answered", Kind.FRACTION, r -> {
            long sent = r.total(SessionStats.Snapshot::partialsSent);
            return sent == 0 ? Double.NaN : (double) r.allPartials().getTotalCount() / sent;
        }, "partials translated / partials sent");
        add(all, "sessions.failed", Kind.COUNT, r -> r.rows().stream().filter(row -> row.failure() != null).count(),
                "sessions that stopped early");
        add(all, "sessions.refused", Kind.COUNT, r -> r.rows().stream().filter(row -> row.refusal() != null).count(),
                "sessions refused at the door (HTTP 503)");
        add(all, "errors", Kind.COUNT, r -> r.total(SessionStats.Snapshot::errorCount), "error frames received");
        return Collections.unmodifiableMap(all);
    }

    private static void add(Map<String, Quantity> all, String name, Kind kind, ToDoubleFunction<LoadReport> measure,
            String meaning) {
        all.put(name, new Quantity(name, kind, measure, meaning));
    }

    /** A percentile in milliseconds, NaN when nothing was recorded. */
    private static double ms(AbstractHistogram h, String percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(Double.parseDouble(percentile)) / 1000.0;
    }

    private static final Map<String, BiPredicate<Double, Double>> OPERATORS = Map.of(
            "==", (a, b) -> a.doubleValue() == b.doubleValue(), "!=", (a, b) -> a.doubleValue() != b.doubleValue(),
            "<=", (a, b) -> a <= b, "<", (a, b) -> a < b, ">=", (a, b) -> a >= b, ">", (a, b) -> a > b);

    private static final Pattern CONDITION = Pattern.compile(
            "\\s*([A-Za-z][A-Za-z0-9.]*)\\s*(==|!=|<=|>=|<|>)\\s*([-+]?[0-9]+(?:\\.[0-9]+)?)\\s*([A-Za-z%]*)\\s*");

    /** Validates the condition; messages name the part that is wrong and what would do. */
    public LoadAssertion {
        Quantity q = QUANTITIES.get(quantity);
        if (q == null) {
            throw new IllegalArgumentException("unknown quantity '" + quantity + "'; known: " + String.join(", ",
                    QUANTITIES.keySet()));
        }
        if (!OPERATORS.containsKey(operator)) {
            throw new IllegalArgumentException("unknown operator '" + operator + "'; known: ==, !=, <=, <, >=, >");
        }
        if (threshold == null) {
            throw new IllegalArgumentException("threshold must be a number, was null");
        }
        unit = unit == null ? "" : unit;
        switch (q.kind()) {
            case TIME -> {
                if (!unit.equals("ms") && !unit.equals("s")) {
                    throw new IllegalArgumentException(quantity + " is a time: give the bound in ms or s, e.g. "
                            + quantity + " " + operator + " 300ms" + (unit.isEmpty() ? "" : " (not '" + unit + "')"));
                }
            }
            case FRACTION -> {
                if (!unit.isEmpty() && !unit.equals("%")) {
                    throw new IllegalArgumentException(quantity + " is a fraction: give 0.95 or 95%, not '" + unit + "'");
                }
            }
            case COUNT, INDEX -> {
                if (!unit.isEmpty()) {
                    throw new IllegalArgumentException(quantity + " is a " + (q.kind() == Kind.COUNT ? "count" : "number")
                            + " without a unit: give a plain number, not '" + unit + "'");
                }
            }
        }
    }

    /**
     * Parses a condition such as {@code partial.p95.added <= 50ms}: a quantity, an operator, a number and its unit.
     *
     * @param condition what the user wrote
     * @return the assertion
     * @throws IllegalArgumentException naming the condition and what is wrong with it
     */
    public static LoadAssertion parse(String condition) {
        Matcher m = CONDITION.matcher(condition == null ? "" : condition);
        try {
            if (!m.matches()) {
                throw new IllegalArgumentException("not QUANTITY OPERATOR VALUE, e.g. 'finals.lost == 0' or"
                        + " 'partial.p95.added <= 50ms'");
            }
            return new LoadAssertion(m.group(1), m.group(2), new BigDecimal(m.group(3)), m.group(4));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--assert '" + condition + "': " + e.getMessage(), e);
        }
    }

    /**
     * The quantities {@code --assert} knows, each with what it means, one a line: for {@code --help} and the docs.
     *
     * @return {@code name: meaning} lines
     */
    public static String vocabulary() {
        Function<Kind, String> unitOf = k -> switch (k) {
            case COUNT -> "count";
            case TIME -> "ms or s";
            case INDEX -> "number";
            case FRACTION -> "0.9 or 90%";
        };
        return QUANTITIES.values().stream()
                .map(q -> String.format(Locale.ROOT, "%-19s %-10s %s", q.name(), unitOf.apply(q.kind()), q.meaning()))
                .collect(Collectors.joining("\n"));
    }

    /** The names of every quantity, in the order {@link #vocabulary()} lists them. */
    static Set<String> quantityNames() {
        return QUANTITIES.keySet();
    }

    /** The threshold in the quantity's own unit: milliseconds for a time, a fraction for a fraction. */
    private double bound() {
        return switch (unit) {
            case "s" -> threshold.doubleValue() * 1000;
            case "%" -> threshold.doubleValue() / 100;
            default -> threshold.doubleValue();
        };
    }

    /**
     * Checks the condition against one scenario's report.
     *
     * @param report the scenario
     * @return the value found and whether it meets the condition; a value that could not be measured (no partial
     *     answered, say) never does
     */
    Verdict check(LoadReport report) {
        double value = QUANTITIES.get(quantity).measure().applyAsDouble(report);
        boolean passed = !Double.isNaN(value) && OPERATORS.get(operator).test(value, bound());
        return new Verdict(this, report.sessions(), value, passed);
    }

    /** The condition as {@code --assert} takes it, e.g. {@code partial.p95.added <= 50ms}. */
    @Override
    public String toString() {
        return quantity + " " + operator + " " + threshold.stripTrailingZeros().toPlainString() + unit;
    }

    /**
     * One condition checked against one scenario.
     *
     * @param assertion the condition
     * @param sessions the scenario's session count
     * @param value what was measured, in the quantity's unit (ms for a time, a fraction for a fraction); NaN when it
     *     could not be
     * @param passed whether the condition holds
     */
    public record Verdict(LoadAssertion assertion, int sessions, double value, boolean passed) {

        /**
         * The value as people read it: {@code 37 ms}, {@code 0}, {@code 0.9991}, {@code 97.5%}.
         *
         * @return the value with its unit
         */
        public String shown() {
            if (Double.isNaN(value)) {
                return "n/a (nothing measured)";
            }
            return switch (QUANTITIES.get(assertion.quantity()).kind()) {
                case COUNT -> String.format(Locale.ROOT, "%.0f", value);
                case TIME -> String.format(Locale.ROOT, Math.abs(value) < 10 ? "%.1f ms" : "%.0f ms", value);
                case INDEX -> String.format(Locale.ROOT, "%.4f", value);
                case FRACTION -> String.format(Locale.ROOT, "%.1f%%", 100 * value);
            };
        }

        /**
         * The line printed after the run.
         *
         * @param scenario how to name the scenario, e.g. {@code 3 sessions}, or empty when the run had one
         * @return {@code assert partial.p95.added <= 50ms: 37 ms ok}, or {@code ...: FAILED: 112 ms}
         */
        public String line(String scenario) {
            return "assert " + assertion + (scenario.isEmpty() ? "" : " [" + scenario + "]") + ": "
                    + (passed ? shown() + " ok" : "FAILED: " + shown());
        }
    }
}
