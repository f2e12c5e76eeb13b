/**
 * The OpenAI translation provider: {@link dev.fairway.provider.openai.OpenAiProviderFactory}, found by
 * {@link java.util.ServiceLoader} under the name {@code openai}, makes an
 * {@link dev.fairway.provider.openai.OpenAiProvider} that calls {@code POST {base-url}/chat/completions}.
 *
 * <p>HTTP answers become the API's exceptions: a rate-limit 429 a
 * {@link dev.fairway.api.RateLimitedException} carrying the wait and the rate-limit headers; an exhausted
 * quota, a 400, a rejected key or an unknown model a {@link dev.fairway.api.PermanentProviderException};
 * timeouts, resets, 408/409/5xx and unreadable answers a {@link dev.fairway.api.TransientProviderException}.
 * No message and no log line carries the API key.
 */
package dev.fairway.provider.openai;
