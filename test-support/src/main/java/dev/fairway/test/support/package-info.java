/**
 * The hand-driven clock and the WebSocket client that Fairway's tests share.
 */
package dev.fairway.test.support;
