// framesync-server JSON protocol client (framesync.json.v1, contract §9) for Unity and
// any .NET: System.Net.WebSockets.ClientWebSocket + MiniJson, no SDK, no package.
// Frames are received on a background task and queued; call Update() from your game
// loop (MonoBehaviour.Update) to apply them and fire the events on the main thread.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace FrameSync
{
    public class FrameSyncJsonClient : IDisposable
    {
        public const string Protocol = "framesync.json.v1";

        readonly ClientWebSocket ws = new ClientWebSocket();
        readonly ConcurrentQueue<Dictionary<string, object>> inbox = new ConcurrentQueue<Dictionary<string, object>>();
        readonly SemaphoreSlim sendLock = new SemaphoreSlim(1, 1);
        readonly CancellationTokenSource stop = new CancellationTokenSource();
        int nextRid = 1;

        public string RoomId { get; private set; }
        public string SessionId { get; private set; }
        public string ReconnectionToken { get; private set; }
        /// <summary>From the `frameSync` message: pass it to joinById to take the seat back after a drop.</summary>
        public string ReconnectKey { get; private set; }
        /// <summary>The room state: the last `state` with every `patch.merge` applied since.</summary>
        public Dictionary<string, object> State { get; private set; }
        public long Seq { get; private set; } = -1;
        public long Frame { get; private set; } = -1;
        /// <summary>Patches whose seq was not the previous + 1 (then send Resync()).</summary>
        public int SeqGaps { get; private set; }
        /// <summary>Set once the socket closed: the server's close code (4000 leave, 4100 replaced, 4002 abuse, 1008 join timeout…).</summary>
        public int? CloseCode { get; private set; }

        public event Action<Dictionary<string, object>> Joined;
        /// <summary>A full state arrived (after joining, and after Resync()): (the new state, the patched state it replaces or null).</summary>
        public event Action<Dictionary<string, object>, Dictionary<string, object>> StateReceived;
        /// <summary>A tick: the state is patched; then each of the tick's broadcasts is raised as MessageReceived.</summary>
        public event Action<long> Patched;
        public event Action<string, object> MessageReceived;
        public event Action<object, string> ErrorReceived;
        public event Action<int> Closed;

        public async Task ConnectAsync(Uri url)
        {
            ws.Options.AddSubProtocol(Protocol);
            await ws.ConnectAsync(url, stop.Token);
            _ = Task.Run(ReceiveLoop);
        }

        public Task JoinAsync(string mode, string room, Dictionary<string, object> options)
        {
            return SendAsync(new Dictionary<string, object> { { "type", "join" }, { "rid", nextRid++ }, { "mode", mode }, { "room", room }, { "options", options } });
        }

        /// <summary>Path 1 of §3: the token `joined` gave, while the seat is held.</summary>
        public Task ReconnectAsync(string reconnectionToken)
        {
            return SendAsync(new Dictionary<string, object> { { "type", "join" }, { "rid", nextRid++ }, { "mode", "reconnect" }, { "reconnectionToken", reconnectionToken } });
        }

        /// <summary>Exactly room.send(name, data): "input", "chat", "frames:since", "match:find"…</summary>
        public Task SendMessageAsync(string name, object data)
        {
            return SendAsync(new Dictionary<string, object> { { "type", "send" }, { "name", name }, { "data", data } });
        }

        public Task ResyncAsync() => SendAsync(new Dictionary<string, object> { { "type", "resync" } });

        /// <summary>Consented leave: the seat is freed and the server closes with 4000.</summary>
        public Task LeaveAsync() => SendAsync(new Dictionary<string, object> { { "type", "leave" } });

        /// <summary>Cuts the connection without a leave (as a lost network does): the server holds the seat.</summary>
        public void Drop()
        {
            stop.Cancel();
            ws.Abort();
        }

        async Task SendAsync(Dictionary<string, object> frame)
        {
            var bytes = Encoding.UTF8.GetBytes(MiniJson.Serialize(frame));
            await sendLock.WaitAsync();
            try
            {
                await ws.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Text, true, stop.Token);
            }
            finally
            {
                sendLock.Release();
            }
        }

        async Task ReceiveLoop()
        {
            var buffer = new byte[16 * 1024];
            var message = new List<byte>();
            try
            {
                while (ws.State == WebSocketState.Open)
                {
                    var result = await ws.ReceiveAsync(new ArraySegment<byte>(buffer), stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        inbox.Enqueue(new Dictionary<string, object> { { "type", "__closed" }, { "code", (double)(int)(ws.CloseStatus ?? WebSocketCloseStatus.Empty) } });
                        await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                        return;
                    }
                    for (var i = 0; i < result.Count; i++) message.Add(buffer[i]);
                    if (!result.EndOfMessage) continue;
                    var text = Encoding.UTF8.GetString(message.ToArray());
                    message.Clear();
                    if (MiniJson.Parse(text) is Dictionary<string, object> frame) inbox.Enqueue(frame);
                }
            }
            catch (Exception) when (stop.IsCancellationRequested || ws.State != WebSocketState.Open)
            {
                inbox.Enqueue(new Dictionary<string, object> { { "type", "__closed" }, { "code", 1006.0 } });
            }
        }

        /// <summary>Applies queued frames and raises the events. Call once per frame.</summary>
        public void Update()
        {
            while (inbox.TryDequeue(out var f)) Handle(f);
        }

        void Handle(Dictionary<string, object> f)
        {
            switch ((string)f["type"])
            {
                case "joined":
                    RoomId = (string)f["roomId"];
                    SessionId = (string)f["sessionId"];
                    ReconnectionToken = (string)f["reconnectionToken"];
                    Joined?.Invoke(f);
                    break;
                case "state":
                    var previous = State;
                    State = (Dictionary<string, object>)f["state"];
                    Seq = (long)(double)f["seq"];
                    Frame = (long)(double)f["frame"];
                    StateReceived?.Invoke(State, previous);
                    break;
                case "patch":
                    var seq = (long)(double)f["seq"];
                    if (seq != Seq + 1) SeqGaps++;
                    Seq = seq;
                    Frame = (long)(double)f["frame"];
                    State = (Dictionary<string, object>)MiniJson.ApplyMergePatch(State, f["merge"]);
                    Patched?.Invoke(Frame);
                    foreach (Dictionary<string, object> m in (List<object>)f["messages"]) OnMessage((string)m["name"], m["data"]);
                    break;
                case "message":
                    OnMessage((string)f["name"], f["data"]);
                    break;
                case "error":
                    ErrorReceived?.Invoke(f["code"], f.TryGetValue("message", out var text) ? (string)text : "");
                    break;
                case "__closed":
                    CloseCode = (int)(double)f["code"];
                    Closed?.Invoke(CloseCode.Value);
                    break;
            }
        }

        void OnMessage(string name, object data)
        {
            if (name == "frameSync" && data is Dictionary<string, object> sync && sync.TryGetValue("reconnectKey", out var key)) ReconnectKey = (string)key;
            MessageReceived?.Invoke(name, data);
        }

        public void Dispose()
        {
            stop.Cancel();
            ws.Dispose();
        }
    }
}
