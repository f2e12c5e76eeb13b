/**
 * Fairway's configuration: the registry of application keys ({@link dev.fairway.app.config.ConfigKeys}),
 * the sources they are read from ({@link dev.fairway.app.config.ConfigSources}) and the loaded,
 * validated view ({@link dev.fairway.app.config.FairwayConfig}).
 *
 * <p>Precedence, highest first: {@code -D key=value} on the command line, Java system properties,
 * environment variables ({@code fairway.queue.max-concurrent} is {@code FAIRWAY_QUEUE_MAX_CONCURRENT}),
 * the optional {@code --config} properties file, built-in defaults. Every application key is validated
 * when the configuration loads, so a bad value stops start-up with one line naming the key, the value
 * and what is allowed.
 */
package dev.fairway.app.config;
