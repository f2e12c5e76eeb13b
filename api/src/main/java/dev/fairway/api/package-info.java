/**
 * The values Fairway schedules ({@link dev.fairway.api.TranslationRequest},
 * {@link dev.fairway.api.TranslationResult}, {@link dev.fairway.api.SessionId}), the scheduler facade
 * ({@link dev.fairway.api.TranslationScheduler}) and the exceptions under {@link dev.fairway.api.FairwayException}.
 *
 * <p>Values are immutable records that validate in their constructors; a bad argument is reported
 * with an {@link java.lang.IllegalArgumentException} whose message names the field and the value.
 */
package dev.fairway.api;
