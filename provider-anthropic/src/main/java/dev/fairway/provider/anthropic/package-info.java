/**
 * The Anthropic translation provider: {@link dev.fairway.provider.anthropic.AnthropicProviderFactory},
 * found by {@link java.util.ServiceLoader} under the name {@code anthropic}, makes an
 * {@link dev.fairway.provider.anthropic.AnthropicProvider} that calls {@code POST {base-url}/v1/messages}.
 *
 * <p>Answers become the API's exceptions: {@code rate_limit_error} a
 * {@link dev.fairway.api.RateLimitedException} carrying {@code retry-after} and the
 * {@code anthropic-ratelimit-*} headers; {@code overloaded_error}, {@code api_error}, timeouts and
 * unreadable answers a {@link dev.fairway.api.TransientProviderException}; {@code authentication_error},
 * {@code permission_error}, {@code invalid_request_error}, {@code not_found_error} and billing errors a
 * {@link dev.fairway.api.PermanentProviderException} of the matching kind. No message and no log line
 * carries the API key.
 */
package dev.fairway.provider.anthropic;
