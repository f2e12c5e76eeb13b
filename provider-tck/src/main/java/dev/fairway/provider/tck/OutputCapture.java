package dev.fairway.provider.tck;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Captures what the process logs and prints while it is open: every {@code java.util.logging}
 * record at every level (which is where {@link System.Logger} goes when no other backend is
 * installed), with its parameters and exception, and what is written to {@code System.out} and
 * {@code System.err} (passed on as well). Global state: the kit's tests run one at a time.
 */
final class OutputCapture extends Handler implements AutoCloseable {

    private final Logger root = Logger.getLogger("");
    private final Level previousLevel;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Formatter formatter = new SimpleFormatter();
    private final PrintStream previousOut = System.out;
    private final PrintStream previousErr = System.err;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final boolean loggerCaptured;

    private OutputCapture() {
        setLevel(Level.ALL);
        previousLevel = root.getLevel();
        root.setLevel(Level.ALL);
        root.addHandler(this);
        System.setOut(new PrintStream(new Tee(previousOut, out), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new Tee(previousErr, err), true, StandardCharsets.UTF_8));
        String probe = "fairway-contract-probe-" + UUID.randomUUID();
        System.getLogger(OutputCapture.class.getName()).log(System.Logger.Level.DEBUG, probe);
        loggerCaptured = lines.stream().anyMatch(l -> l.contains(probe));
    }

    /**
     * Starts capturing.
     *
     * @return the capture; close it to stop
     */
    static OutputCapture start() {
        return new OutputCapture();
    }

    /**
     * Whether {@link System.Logger} output reaches this capture (false when a {@code LoggerFinder}
     * other than the JDK's routes it elsewhere).
     *
     * @return whether a probe line logged at DEBUG was seen
     */
    boolean seesSystemLogger() {
        return loggerCaptured;
    }

    /**
     * What was captured so far: log records, then what was printed.
     *
     * @return the lines
     */
    List<String> lines() {
        List<String> all = new ArrayList<>(lines);
        all.add("System.out: " + out.toString(StandardCharsets.UTF_8));
        all.add("System.err: " + err.toString(StandardCharsets.UTF_8));
        return all;
    }

    @Override
    public void publish(LogRecord record) {
        StringBuilder line = new StringBuilder()
                .append(record.getLevel()).append(' ').append(record.getLoggerName()).append(": ")
                .append(formatter.formatMessage(record));
        if (record.getParameters() != null) {
            for (Object p : record.getParameters()) {
                line.append(" | ").append(p);
            }
        }
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.append('\n').append(trace);
        }
        lines.add(line.toString());
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.removeHandler(this);
        root.setLevel(previousLevel);
        System.setOut(previousOut);
        System.setErr(previousErr);
    }

    /** Writes to the original stream and to the capture. */
    private static final class Tee extends OutputStream {
        private final OutputStream original;
        private final ByteArrayOutputStream copy;

        Tee(OutputStream original, ByteArrayOutputStream copy) {
            this.original = original;
            this.copy = copy;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            original.write(b);
            copy.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            original.write(b, off, len);
            copy.write(b, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            original.flush();
        }
    }
}
