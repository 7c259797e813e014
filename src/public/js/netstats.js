/*
 * Network counters for the demo page: payload bytes and messages in and out of every
 * WebSocket the page opens. Loaded as a classic script before the SDK bundle, because
 * the SDK picks up `window.WebSocket` when it loads; it then uses this counting subclass.
 */
(function () {
  "use strict";
  var Native = window.WebSocket;
  var stats = { bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0, socketsOpened: 0 };
  var encoder = new TextEncoder();

  function sizeOf(data) {
    if (typeof data === "string") return encoder.encode(data).length;
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
    if (typeof Blob !== "undefined" && data instanceof Blob) return data.size;
    return 0;
  }

  class CountingWebSocket extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      stats.socketsOpened++;
      this.addEventListener("message", function (event) {
        stats.bytesIn += sizeOf(event.data);
        stats.messagesIn++;
      });
    }

    send(data) {
      stats.bytesOut += sizeOf(data);
      stats.messagesOut++;
      return super.send(data);
    }
  }

  window.WebSocket = CountingWebSocket;
  /** Read by js/main.js; a snapshot copy is handed out, never the live object. */
  window.FrameSyncNetStats = function () {
    return Object.assign({}, stats);
  };
})();
