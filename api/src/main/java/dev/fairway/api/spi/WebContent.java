package dev.fairway.api.spi;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Files that a transport with an HTTP server serves as they are, under paths of its own choosing: the
 * browser pages of the {@code console} module (the try-it page at {@code /}, the operator console at
 * {@code /console}, their scripts under {@code /assets/}). The application finds implementations with
 * {@link java.util.ServiceLoader} and hands them to the transport ({@link TransportContext#webContent()}),
 * so the transport knows no page and the pages know no HTTP server.
 *
 * <p>There is nothing to configure, so the service is the content itself rather than a factory. The
 * transport asks {@link #find(String)} for a {@code GET} of a path none of its own endpoints answer, on
 * transport threads: implementations answer from memory (or their own module's resources) without
 * blocking on anything else. What they serve is public: a transport puts no access control in front of it.
 */
public interface WebContent {

    /** What a name may be: lower-case words joined by {@code -}, such as {@code console}. */
    Pattern NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    /**
     * The content's name, for {@code fairway providers} and logs.
     *
     * @return for example {@code console}
     */
    String name();

    /**
     * The file at a path.
     *
     * @param path the request's path, decoded, starting with {@code /}, without {@code ..} segments (the
     *     transport refuses those first); for example {@code /}, {@code /console}, {@code /assets/app.css}
     * @return the file, or empty when this content has none at that path
     */
    Optional<File> find(String path);

    /**
     * One file.
     *
     * @param contentType its media type with parameters, as sent in {@code Content-Type}
     *     ({@code text/html; charset=utf-8})
     * @param bytes its content; the record keeps a copy and hands out copies
     */
    record File(String contentType, byte[] bytes) {

        /** Validates the fields and copies the bytes. */
        public File {
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(bytes, "bytes");
            if (contentType.isBlank()) {
                throw new IllegalArgumentException("contentType must not be blank");
            }
            bytes = bytes.clone();
        }

        /**
         * The content.
         *
         * @return a copy of the bytes
         */
        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        /**
         * How many bytes the file has, without a copy.
         *
         * @return the length
         */
        public int length() {
            return bytes.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof File f && contentType.equals(f.contentType) && Arrays.equals(bytes, f.bytes);
        }

        @Override
        public int hashCode() {
            return contentType.hashCode() * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "File[" + contentType + ", " + bytes.length + " bytes]";
        }
    }
}
