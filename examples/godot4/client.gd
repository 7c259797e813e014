# framesync-server JSON protocol client for Godot 4 (framesync.json.v1, contract §9), with
# Godot 4's WebSocketPeer. NOT run here (Debian has no Godot 4 package); it is the tested
# Godot 3 client (examples/godot3/client.gd) ported to the Godot 4 API. Run it headless:
#   FS_URL=ws://127.0.0.1:2567/json FS_TOKEN=<jwt> godot4 --headless -s client.gd
# It joins game_room, applies `state` and every `patch`, plays at 20 Hz, compares a
# `resync` with its patched state, drops and takes its seat back with its reconnectKey,
# leaves. Exit code 0 = pass. In a game, keep on_frame/apply_merge and drive poll() from _process.
extends SceneTree

const PROTOCOL := "framesync.json.v1"
const INPUT_INTERVAL := 0.05
const PLAY_SECONDS := 2.0
const TIMEOUT_SECONDS := 40.0

var url := ""
var token := ""
var ws: WebSocketPeer
var was_open := false
var phase := "connecting"
var elapsed := 0.0
var since_input := 0.0
var play_time := 0.0
var settle_time := 0.0
var inputs_sent := 0

var room_id := ""
var session_id := ""
var old_session_id := ""
var reconnect_key := ""
var state := {}
var seq := -1
var seq_gaps := 0
var x_before_drop := 0.0


func _initialize() -> void:
	url = OS.get_environment("FS_URL")
	token = OS.get_environment("FS_TOKEN")
	if url == "" or token == "":
		fail("set FS_URL (ws://host:port/json) and FS_TOKEN (a JWT)")
		return
	open_socket()


func log_line(text: String) -> void:
	print("[godot4-client] ", text)


func fail(reason: String) -> void:
	log_line("FAIL: " + reason)
	phase = "done"
	quit(1)


func open_socket() -> void:
	ws = WebSocketPeer.new()
	ws.supported_protocols = PackedStringArray([PROTOCOL])
	was_open = false
	var err := ws.connect_to_url(url)
	if err != OK:
		fail("connect_to_url failed: %d" % err)


func send(frame: Dictionary) -> void:
	# send_text: a text frame (the server also accepts binary frames holding UTF-8 JSON).
	ws.send_text(JSON.stringify(frame))


func on_open() -> void:
	if phase == "connecting":
		phase = "joining"
		send({"type": "join", "rid": 1, "mode": "joinOrCreate", "room": "game_room", "options": {"token": token}})
	elif phase == "reconnecting":
		send({"type": "join", "rid": 2, "mode": "joinById", "room": room_id, "options": {"token": token, "reconnectKey": reconnect_key}})


func on_closed(code: int, reason: String) -> void:
	log_line("closed with %d %s" % [code, reason])
	if phase == "leaving" and code == 4000:
		log_line("PASS: joined, played %d inputs, resync matched, reconnected by key, left" % inputs_sent)
		phase = "done"
		quit(0)
	elif phase == "dropping":
		phase = "reconnecting"
		open_socket()
	elif phase != "done":
		fail("unexpected close %d in phase %s" % [code, phase])


func on_frame(f: Dictionary) -> void:
	match f.get("type"):
		"joined":
			old_session_id = session_id
			session_id = f.sessionId
			room_id = f.roomId
			log_line("joined %s as %s" % [room_id, session_id])
		"state":
			if phase == "resyncing":
				check_resync(f)
				return
			state = f.state
			seq = int(f.seq)  # JSON numbers are floats
			if phase == "joining":
				phase = "playing"
			elif phase == "reconnecting":
				check_reconnected()
		"patch":
			if int(f.seq) != seq + 1:
				seq_gaps += 1
			seq = int(f.seq)
			state = apply_merge(state, f.merge)
		"message":
			if f.name == "frameSync":
				reconnect_key = f.data.reconnectKey
			elif f.name == "error":
				fail("room error %s: %s" % [f.data.code, f.data.message])
		"error":
			fail("error %s: %s" % [str(f.code), f.message])


# RFC 7396: null removes a key, an object merges, anything else replaces.
func apply_merge(target, patch):
	if typeof(patch) != TYPE_DICTIONARY:
		return patch
	var out: Dictionary = target.duplicate() if typeof(target) == TYPE_DICTIONARY else {}
	for key in patch:
		var value = patch[key]
		if value == null:
			out.erase(key)
		else:
			out[key] = apply_merge(out.get(key), value)
	return out


func check_resync(f: Dictionary) -> void:
	if int(f.seq) != seq + 1 or JSON.stringify(f.state, "", true) != JSON.stringify(state, "", true):
		fail("resync differs from the patched state")
		return
	seq = int(f.seq)
	if seq_gaps > 0 or state.players[session_id].x <= 100.0:
		fail("seq gaps or no movement")
		return
	log_line("resync at seq %d matches the patched state" % seq)
	phase = "settling"
	settle_time = 0.0


func check_reconnected() -> void:
	if session_id == old_session_id or not state.players.has(session_id) or state.players.has(old_session_id):
		fail("the player did not move to the new session")
		return
	if state.players[session_id].x != x_before_drop:
		fail("position lost across the reconnect")
		return
	log_line("seat back under %s" % session_id)
	phase = "leaving"
	send({"type": "leave"})


func _process(delta: float) -> bool:
	if phase == "done":
		return true
	elapsed += delta
	if elapsed > TIMEOUT_SECONDS:
		log_line("FAIL: timed out in phase " + phase)
		phase = "done"
		quit(2)
		return true
	if ws == null:
		return false
	ws.poll()
	match ws.get_ready_state():
		WebSocketPeer.STATE_OPEN:
			if not was_open:
				was_open = true
				on_open()
			while ws.get_available_packet_count() > 0:
				var parsed = JSON.parse_string(ws.get_packet().get_string_from_utf8())
				if typeof(parsed) != TYPE_DICTIONARY:
					fail("server sent something that is not a JSON object")
					return true
				on_frame(parsed)
		WebSocketPeer.STATE_CLOSED:
			var code := ws.get_close_code()
			var reason := ws.get_close_reason()
			ws = null
			on_closed(code, reason)
			return false
	if phase == "playing":
		play_time += delta
		since_input += delta
		if since_input >= INPUT_INTERVAL:
			since_input -= INPUT_INTERVAL
			inputs_sent += 1
			send({"type": "send", "name": "input", "data": {"inputs": {"move": {"x": 1, "y": 0.5}, "jump": inputs_sent % 10 == 0}}})
		if play_time >= PLAY_SECONDS:
			phase = "resyncing"
			send({"type": "resync"})
	elif phase == "settling":
		settle_time += delta
		if settle_time >= 0.5:
			x_before_drop = state.players[session_id].x
			phase = "dropping"
			ws.close(1000, "dropping on purpose")
	return false
