# framesync-server JSON protocol client for Godot 3 (framesync.json.v1, contract §9).
# No SDK, no project: run it headless with
#   FS_URL=ws://127.0.0.1:2567/json FS_TOKEN=<jwt> godot3-server -s /abs/path/client.gd
# It joins game_room, applies `state` and every `patch` (RFC 7396 merge patch), plays
# (inputs at 20 Hz), asks for a `resync` and compares it with its patched state, drops
# its socket and takes its seat back with its reconnectKey, then leaves.
# Exit code: 0 = every check passed; 1 = a check failed; 2 = timed out.
# Copy the protocol parts (connect/on_data/apply_merge) into your game.
extends SceneTree

const PROTOCOL = "framesync.json.v1"
const INPUT_INTERVAL = 0.05  # 20 Hz, the room's tick rate
const PLAY_SECONDS = 2.0
const TIMEOUT_SECONDS = 40.0

var url = ""
var token = ""
var ws = null
var phase = "connecting"
var elapsed = 0.0
var since_input = 0.0
var play_time = 0.0
var inputs_sent = 0

var room_id = ""
var session_id = ""
var reconnect_key = ""
var state = {}
var seq = -1
var patches = 0
var seq_gaps = 0
var actions_seen = 0
var x_before_drop = 0.0
var old_session_id = ""
var settle_time = 0.0


func _init():
	Engine.target_fps = 60
	url = OS.get_environment("FS_URL")
	token = OS.get_environment("FS_TOKEN")
	if url == "" or token == "":
		fail("set FS_URL (ws://host:port/json) and FS_TOKEN (a JWT)")
		return
	open_socket()


func log_line(text):
	print("[godot3-client] ", text)


func fail(reason):
	log_line("FAIL: " + reason)
	phase = "done"
	quit(1)


func open_socket():
	ws = WebSocketClient.new()
	ws.connect("connection_established", self, "_on_connected")
	ws.connect("connection_error", self, "_on_connection_error")
	ws.connect("connection_closed", self, "_on_closed")
	ws.connect("server_close_request", self, "_on_server_close_request")
	ws.connect("data_received", self, "_on_data")
	var err = ws.connect_to_url(url, PoolStringArray([PROTOCOL]))
	if err != OK:
		fail("connect_to_url failed: %d" % err)


func send(frame):
	ws.get_peer(1).put_packet(to_json(frame).to_utf8())


func _on_connected(protocol):
	# Godot sends binary frames unless told otherwise; the server reads both, text is the norm.
	ws.get_peer(1).set_write_mode(WebSocketPeer.WRITE_MODE_TEXT)
	log_line("connected (subprotocol '%s')" % protocol)
	if phase == "connecting":
		phase = "joining"
		send({"type": "join", "rid": 1, "mode": "joinOrCreate", "room": "game_room", "options": {"token": token}})
	elif phase == "reconnecting":
		send({"type": "join", "rid": 2, "mode": "joinById", "room": room_id, "options": {"token": token, "reconnectKey": reconnect_key}})


func _on_connection_error():
	fail("connection error in phase " + phase)


func _on_server_close_request(code, reason):
	# Close codes arrive only here (connection_closed carries just was_clean).
	log_line("server closed with %d %s" % [code, reason])
	if phase == "leaving" and code == 4000:
		log_line("PASS: joined, played %d inputs, %d patches, %d actions, resync matched, reconnected by key, left" % [inputs_sent, patches, actions_seen])
		phase = "done"
		quit(0)
	elif phase != "done":
		fail("unexpected close %d in phase %s" % [code, phase])


func _on_closed(_was_clean):
	if phase == "dropping":
		phase = "reconnecting"
		log_line("socket dropped; taking the seat back with the reconnectKey")
		# Not from inside the old socket's signal: it would be freed while emitting.
		call_deferred("open_socket")
	elif phase != "done" and phase != "leaving":
		fail("socket closed in phase " + phase)


func _on_data():
	var text = ws.get_peer(1).get_packet().get_string_from_utf8()
	var parsed = JSON.parse(text)
	if parsed.error != OK or typeof(parsed.result) != TYPE_DICTIONARY:
		fail("server sent something that is not a JSON object: " + text)
		return
	on_frame(parsed.result)


func on_frame(f):
	match f.get("type"):
		"joined":
			old_session_id = session_id
			session_id = f.sessionId
			room_id = f.roomId
			log_line("joined %s as %s (rid %s)" % [room_id, session_id, str(f.rid)])
		"state":
			# Every JSON number is a float in Godot: compare seq as int.
			if phase == "resyncing":
				check_resync(f)
				return
			state = f.state
			seq = int(f.seq)
			log_line("state seq %d frame %d, %d player(s)" % [seq, int(f.frame), state.players.size()])
			if phase == "joining":
				phase = "playing"
			elif phase == "reconnecting":
				check_reconnected()
		"patch":
			if int(f.seq) != seq + 1:
				seq_gaps += 1
			seq = int(f.seq)
			patches += 1
			state = apply_merge(state, f.merge)
			for m in f.messages:
				if m.name == "playerAction" and m.data.sessionId == session_id:
					actions_seen += 1
		"message":
			if f.name == "frameSync":
				reconnect_key = f.data.reconnectKey
			elif f.name == "reconnect:ok":
				log_line("reconnect:ok for %s" % f.data.sessionId)
			elif f.name == "error":
				fail("room error %s: %s" % [f.data.code, f.data.message])
		"error":
			fail("error %s: %s" % [str(f.code), f.message])


# RFC 7396: null removes a key, an object merges, anything else replaces.
func apply_merge(target, patch):
	if typeof(patch) != TYPE_DICTIONARY:
		return patch
	var out = target.duplicate() if typeof(target) == TYPE_DICTIONARY else {}
	for key in patch:
		var value = patch[key]
		if value == null:
			out.erase(key)
		else:
			out[key] = apply_merge(out.get(key), value)
	return out


# Godot 3 compares Dictionaries by reference: compare by value.
func same(a, b):
	if typeof(a) != typeof(b):
		return false
	if typeof(a) == TYPE_DICTIONARY:
		if a.size() != b.size():
			return false
		for key in a:
			if not b.has(key) or not same(a[key], b[key]):
				return false
		return true
	if typeof(a) == TYPE_ARRAY:
		if a.size() != b.size():
			return false
		for i in range(a.size()):
			if not same(a[i], b[i]):
				return false
		return true
	return a == b


func check_resync(f):
	if int(f.seq) != seq + 1:
		fail("resync seq %d after seq %d" % [int(f.seq), seq])
		return
	if not same(f.state, state):
		fail("resync state differs from the patched state:\n%s\n%s" % [to_json(f.state), to_json(state)])
		return
	seq = int(f.seq)
	var me = state.players[session_id]
	log_line("resync at seq %d matches the patched state (x=%s y=%s)" % [seq, str(me.x), str(me.y)])
	if seq_gaps > 0:
		fail("%d seq gap(s)" % seq_gaps)
		return
	if me.x <= 100.0 or actions_seen == 0:
		fail("the player did not move (x=%s, actions=%d)" % [str(me.x), actions_seen])
		return
	# Inputs sent just before the resync still apply on the next ticks: let them land, then drop.
	phase = "settling"
	settle_time = 0.0


func check_reconnected():
	if session_id == old_session_id:
		fail("reconnect by key kept the old session")
		return
	if not state.players.has(session_id) or state.players.has(old_session_id):
		fail("the player did not move to the new session: " + to_json(state))
		return
	var me = state.players[session_id]
	if me.x != x_before_drop or not me.online:
		fail("position or online lost across the reconnect: " + to_json(me))
		return
	log_line("seat back under %s at x=%s" % [session_id, str(me.x)])
	phase = "leaving"
	send({"type": "leave"})


func _idle(delta):
	if phase == "done":
		return true
	elapsed += delta
	if elapsed > TIMEOUT_SECONDS:
		log_line("FAIL: timed out in phase " + phase)
		phase = "done"
		quit(2)
		return true
	if ws != null:
		ws.poll()
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
			log_line("dropping the socket at x=%s (no leave: the server holds the seat)" % str(x_before_drop))
			phase = "dropping"
			ws.disconnect_from_host(1000, "dropping on purpose")
	return false
