/**
 * The {@code fairway} command line (picocli): {@code providers}, {@code translate}, {@code serve} and
 * {@code config}, with the global options {@code --config FILE} and {@code -D key=value}. Errors that
 * Fairway understands end the command with one line on standard error and exit code 2 (configuration)
 * or 1 (a failure while running); no stack trace.
 */
package dev.fairway.app.cli;
