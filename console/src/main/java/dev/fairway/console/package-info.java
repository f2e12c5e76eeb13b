/**
 * The browser pages as {@link dev.fairway.api.spi.WebContent}: {@link dev.fairway.console.ConsoleContent}.
 */
package dev.fairway.console;
