package dev.fairway.api;

/** Argument checks shared by the records of this package; messages name the field and the bad value. */
final class Checks {

    /** Compiled once: records validate on every request, so no {@code String.matches} on the hot path. */
    private static final java.util.regex.Pattern LANGUAGE =
            java.util.regex.Pattern.compile("[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*");

    private Checks() {
    }

    static <T> T notNull(String field, T value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        return value;
    }

    static long notNegative(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, was " + value);
        }
        return value;
    }

    static int notNegative(String field, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, was " + value);
        }
        return value;
    }

    static String language(String field, String value) {
        notNull(field, value);
        if (!LANGUAGE.matcher(value).matches()) {
            throw new IllegalArgumentException(field
                    + " must be a BCP 47 language tag such as 'en' or 'pt-BR', was '" + abbreviate(value) + "'");
        }
        return value;
    }

    static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 37) + "...";
    }
}
