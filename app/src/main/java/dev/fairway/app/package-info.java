/**
 * The {@code fairway} entry point, {@link dev.fairway.app.Main}.
 */
package dev.fairway.app;
