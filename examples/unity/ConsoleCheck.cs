// The Unity client's logic outside Unity: run by test/process/unity-client-mono.test.ts
// with Mono (`mcs` + `mono`), the same script as the Godot 3 client: join, play at 20 Hz,
// resync and compare, drop and take the seat back with the reconnectKey, leave.
// Exit code: 0 pass, 1 a check failed, 2 timed out.
using System;
using System.Collections.Generic;
using System.Threading;
using FrameSync;

public static class ConsoleCheck
{
    static FrameSyncJsonClient client;
    static readonly DateTime Started = DateTime.UtcNow;

    static void Log(string text) => Console.WriteLine("[unity-client] " + text);

    static int Fail(string reason)
    {
        Log("FAIL: " + reason);
        return 1;
    }

    /// <summary>Runs Update() until `done` holds; false on timeout.</summary>
    static bool PumpUntil(Func<bool> done, double seconds = 10)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            client.Update();
            if (done()) return true;
            Thread.Sleep(5);
        }
        return false;
    }

    static Dictionary<string, object> Me() => (Dictionary<string, object>)((Dictionary<string, object>)client.State["players"])[client.SessionId];

    public static int Main()
    {
        var url = new Uri(Environment.GetEnvironmentVariable("FS_URL") ?? "");
        var token = Environment.GetEnvironmentVariable("FS_TOKEN");
        string lastError = null;
        int actions = 0;

        client = new FrameSyncJsonClient();
        client.ErrorReceived += (code, message) => lastError = code + " " + message;
        client.MessageReceived += (name, data) =>
        {
            if (name == "playerAction" && ((Dictionary<string, object>)data)["sessionId"] as string == client.SessionId) actions++;
            if (name == "error") lastError = MiniJson.Serialize(data);
        };
        client.ConnectAsync(url).Wait();
        client.JoinAsync("joinOrCreate", "game_room", new Dictionary<string, object> { { "token", token } }).Wait();
        if (!PumpUntil(() => client.State != null && client.ReconnectKey != null || lastError != null)) return Fail("no state/frameSync after join");
        if (lastError != null) return Fail(lastError);
        Log($"joined {client.RoomId} as {client.SessionId}; state seq {client.Seq}");

        // Play: an input every 50 ms (20 Hz) for 2 s.
        var inputs = 0;
        for (var t = 0; t < 40; t++)
        {
            client.SendMessageAsync("input", new Dictionary<string, object> {
                { "inputs", new Dictionary<string, object> { { "move", new Dictionary<string, object> { { "x", 1 }, { "y", -0.5 } } }, { "jump", t % 10 == 0 } } },
            }).Wait();
            inputs++;
            PumpUntil(() => false, 0.05);
        }
        PumpUntil(() => false, 0.3);

        // Resync: the answer must equal the state the patches built up to it.
        string resyncVerdict = null;
        client.StateReceived += (state, patched) =>
        {
            resyncVerdict = MiniJson.Same(state, patched) ? "same" : "resync differs from the patched state:\n" + MiniJson.Serialize(state) + "\n" + MiniJson.Serialize(patched);
        };
        client.ResyncAsync().Wait();
        if (!PumpUntil(() => resyncVerdict != null || lastError != null)) return Fail("no answer to resync");
        if (resyncVerdict != "same") return Fail(resyncVerdict ?? lastError);
        if (client.SeqGaps > 0) return Fail(client.SeqGaps + " seq gaps");
        var x = (double)Me()["x"];
        if (x <= 100 || actions == 0) return Fail($"the player did not move (x={x}, actions={actions})");
        Log($"played {inputs} inputs, {actions} actions; resync at seq {client.Seq} matches the patched state (x={x})");

        // Drop without leaving, then take the seat back by key on a new socket.
        var roomId = client.RoomId;
        var key = client.ReconnectKey;
        var oldSession = client.SessionId;
        client.Drop();
        Log("socket dropped");
        Thread.Sleep(300);
        client = new FrameSyncJsonClient();
        var reconnected = false;
        client.MessageReceived += (name, data) => { if (name == "reconnect:ok") reconnected = true; };
        client.ErrorReceived += (code, message) => lastError = code + " " + message;
        client.ConnectAsync(url).Wait();
        client.JoinAsync("joinById", roomId, new Dictionary<string, object> { { "token", token }, { "reconnectKey", key } }).Wait();
        if (!PumpUntil(() => (client.State != null && reconnected) || lastError != null)) return Fail("no reconnect:ok");
        if (lastError != null) return Fail(lastError);
        var players = (Dictionary<string, object>)client.State["players"];
        if (client.SessionId == oldSession || players.ContainsKey(oldSession)) return Fail("the player did not move to the new session");
        if ((double)Me()["x"] != x || !(bool)Me()["online"]) return Fail("position or online lost: " + MiniJson.Serialize(Me()));
        Log($"seat back under {client.SessionId} at x={x}");

        client.LeaveAsync().Wait();
        if (!PumpUntil(() => client.CloseCode != null)) return Fail("no close after leave");
        if (client.CloseCode != 4000) return Fail("closed with " + client.CloseCode + ", not 4000");
        Log($"PASS: joined, played {inputs} inputs, resync matched, reconnected by key, left (4000) in {(DateTime.UtcNow - Started).TotalSeconds:F1} s");
        return 0;
    }
}
