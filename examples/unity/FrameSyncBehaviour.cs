// Unity usage of FrameSyncJsonClient (NOT run here: Unity is not on this machine; the client
// class itself is tested under Mono, see ConsoleCheck.cs). Drop MiniJson.cs,
// FrameSyncJsonClient.cs and this file into Assets/, put the component on a GameObject,
// set the URL and a token (from your login, or POST /auth/dev-token in development).
using System;
using System.Collections.Generic;
using UnityEngine;
using FrameSync;

public class FrameSyncBehaviour : MonoBehaviour
{
    public string url = "ws://127.0.0.1:2567/json";
    public string token = "";
    public string roomName = "game_room";

    FrameSyncJsonClient client;
    float sinceInput;

    async void Start()
    {
        client = new FrameSyncJsonClient();
        client.Joined += f => Debug.Log($"joined {client.RoomId} as {client.SessionId}");
        client.MessageReceived += (name, data) => { if (name == "playerAction") { /* animate it */ } };
        client.ErrorReceived += (code, message) => Debug.LogWarning($"framesync error {code}: {message}");
        client.Closed += code => Debug.Log($"closed {code}");
        await client.ConnectAsync(new Uri(url));
        await client.JoinAsync("joinOrCreate", roomName, new Dictionary<string, object> { { "token", token } });
    }

    void Update()
    {
        if (client == null) return;
        client.Update(); // applies state/patches and raises the events on the main thread
        if (client.State == null) return;
        if (client.SeqGaps > 0) _ = client.ResyncAsync();

        // 20 Hz input, the room's tick rate.
        sinceInput += Time.deltaTime;
        if (sinceInput < 0.05f) return;
        sinceInput = 0;
        var move = new Dictionary<string, object> { { "x", (double)Input.GetAxisRaw("Horizontal") }, { "y", (double)-Input.GetAxisRaw("Vertical") } };
        _ = client.SendMessageAsync("input", new Dictionary<string, object> {
            { "inputs", new Dictionary<string, object> { { "move", move }, { "jump", Input.GetKeyDown(KeyCode.Space) } } },
        });

        // Positions for rendering: client.State["players"][sessionId]["x"|"y"] (doubles).
    }

    async void OnDestroy()
    {
        if (client == null) return;
        await client.LeaveAsync();
        client.Dispose();
    }
}
