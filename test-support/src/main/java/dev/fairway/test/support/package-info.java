/**
 * The hand-driven clock, the WebSocket client and the real Redis server that Fairway's tests share.
 */
package dev.fairway.test.support;
